-- wrk script for scripts/bench: GET /api/v1/accounts/{number} over the account numbers in
-- the file named by $BENCH_ACCOUNTS (one a line), each thread starting at its own offset;
-- the bearer token comes from wrk's -H option. At the end it prints one machine-readable
-- line: BENCH requests=N p50_us=N p99_us=N max_us=N non2xx=N connect=N read=N write=N timeout=N
local accounts = {}
local index = 0
local threads = {}

function setup(thread)
    thread:set("offset", #threads * 7919)
    table.insert(threads, thread)
end

function init(args)
    for line in io.lines(os.getenv("BENCH_ACCOUNTS")) do
        if #line > 0 then table.insert(accounts, line) end
    end
    index = offset or 0
end

function request()
    index = index + 1
    return wrk.format("GET", "/api/v1/accounts/" .. accounts[(index % #accounts) + 1])
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("BENCH requests=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
        summary.requests, latency:percentile(50), latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
