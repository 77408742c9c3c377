"""The `authward` command: server commands and user commands in one typer app."""
