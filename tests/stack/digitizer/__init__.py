"""The digitizer against the real broker and S3 store, on a stack of its own."""
