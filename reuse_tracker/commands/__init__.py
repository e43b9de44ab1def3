"""Sub-commands of `reuse-tracker` that live in their own modules."""
