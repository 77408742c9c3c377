"""Services: the rules. Free of HTTP; each public call is one unit of work."""
