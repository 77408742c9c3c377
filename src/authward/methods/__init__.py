"""Sign-in methods: one package per way to prove who you are."""
