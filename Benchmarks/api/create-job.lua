-- wrk script: POST one new job per request, each with a unique key (thread id + counter).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"key": "bench-post-%d-%d", "task": "system.noop", "schedule": {"type": "interval", "hours": 1}}',
    thread_id, counter)
  return wrk.format("POST", "/api/v1/scheduler/jobs", nil, body)
end
