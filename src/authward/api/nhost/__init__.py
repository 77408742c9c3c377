"""The Nhost Auth REST face (wire contract: Nhost's OpenAPI spec)."""
