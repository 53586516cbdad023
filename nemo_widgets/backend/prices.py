"""What things cost, in credits. An anonymous token starts with 100 (store.ANONYMOUS_CREDITS)."""

GENERATE_SONG = 20  # a new song from lyrics: composing, singing, band, master
NEW_VERSION = 10  # the same lyrics and style again with another seed
DRAFT_EDIT = 0  # aspect ratio, title, lyrics overlay: the timeline changes, no audio is made
EXPORT = 0  # rendering the MP4 is free, as in the cloud
