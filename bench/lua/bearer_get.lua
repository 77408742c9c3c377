-- GET with a bearer access token (TOKEN env).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
