import sys

from nemo_widgets.cli import main

sys.exit(main())
