-- GET /api/v1/users?id=N for N spread over the reset collection's ids.
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local counter = 0

function request()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/users?id=" .. (counter * 7919 % users + 1))
end
