"""The embedded backend: the Nemo protocol served on loopback, so the client works with no account
and no network. It knows nothing of Jupyter; the client never imports it."""
