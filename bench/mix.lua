-- The read/write mix: 4 reads by id for every create. New ids start above the
-- reset collection's and are unique per wrk thread, so no create collides.
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tonumber(wrk.thread:get("thread_id")) or 1
end

function request()
  counter = counter + 1
  if counter % 5 == 0 then
    local id = thread_id * 100000000 + counter
    local body = string.format('{"id": %d, "name": "bench-%d", "team": "ops"}', id, id)
    return wrk.format("POST", "/api/v1/users", { ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/api/v1/users?id=" .. (counter * 7919 % users + 1))
end
