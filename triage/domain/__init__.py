"""The domain: the vocabulary and types, the knowledge base (data), the engine. Imports nothing above it."""
