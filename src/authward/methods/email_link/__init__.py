"""Sign-in by a mailed link: `GET /verify` redeems verification, magic-link, reset and email-change tickets."""
