"""The administration services: what the admin API (api/admin/) and the operator CLI (`authward users`) do."""
