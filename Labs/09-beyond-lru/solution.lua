-- Lab 09 reference solution: 2Q.
local M = {}

M.choice = "2q"

-- A doubly linked list of keys (slots or pages), newest at the head, oldest at the tail.
local function new_list()
  return { newer = {}, older = {}, head = nil, tail = nil, size = 0 }
end

local function push_front(l, key)
  l.older[key], l.newer[key] = l.head, nil
  if l.head ~= nil then l.newer[l.head] = key else l.tail = key end
  l.head = key
  l.size = l.size + 1
end

local function unlink(l, key)
  local newer, older = l.newer[key], l.older[key]
  if newer ~= nil then l.older[newer] = older else l.head = older end
  if older ~= nil then l.newer[older] = newer else l.tail = newer end
  l.newer[key], l.older[key] = nil, nil
  l.size = l.size - 1
end

-- The oldest unpinned slot of a list of slots, or nil.
local function oldest_unpinned(l, ctx)
  local slot = l.tail
  while slot ~= nil and ctx:pinned(slot) do slot = l.newer[slot] end
  return slot
end

-- 2Q: A1in a FIFO of slots, Am an LRU of slots (hits move a slot to the head), A1out a FIFO of
-- page numbers evicted from A1in; `ghost` says which pages A1out holds.
function M.make_policy(options)
  options = options or {}
  return vm.policy{
    name = "my-2q",
    init = function(self, ctx)
      self.kin = math.max(1, options.kin or ctx.count // 4)
      self.kout = math.max(1, options.kout or ctx.count // 2)
      self.a1in, self.am, self.a1out = new_list(), new_list(), new_list()
      self.ghost, self.queue = {}, {}
    end,
    on_fault = function(self, ctx, slot, page)
      if self.ghost[page] then                        -- seen again soon after leaving A1in
        self.ghost[page] = nil
        unlink(self.a1out, page)
        self.queue[slot] = self.am
      else
        self.queue[slot] = self.a1in
      end
      push_front(self.queue[slot], slot)
    end,
    on_access = function(self, ctx, slot)
      if self.queue[slot] == self.am then
        unlink(self.am, slot)
        push_front(self.am, slot)
      end
    end,
    on_evict = function(self, ctx, slot)
      unlink(self.queue[slot], slot)
      self.queue[slot] = nil
    end,
    victim = function(self, ctx)
      local from_am = oldest_unpinned(self.am, ctx)
      if self.a1in.size > self.kin or from_am == nil then
        local slot = oldest_unpinned(self.a1in, ctx)
        if slot ~= nil then
          local page = ctx:page(slot)
          push_front(self.a1out, page)
          self.ghost[page] = true
          if self.a1out.size > self.kout then
            local gone = self.a1out.tail
            unlink(self.a1out, gone)
            self.ghost[gone] = nil
          end
          return slot
        end
      end
      return from_am
    end,
  }
end

-- Zipf pages, with a scan of `scan` fresh pages after every `every`-th Zipf access.
function M.scan_polluted(o)
  local out, fresh, count = {}, o.base, 0
  for _, address in vm.trace.zipf{ pages = o.pages, alpha = o.alpha, n = o.n, seed = o.seed }:each() do
    out[#out + 1] = address >> 12
    count = count + 1
    if count % o.every == 0 then
      for _ = 1, o.scan do
        out[#out + 1] = fresh
        fresh = fresh + 1
      end
    end
  end
  return out
end

-- Hit rates of the built-ins and of make_policy() on one trace.
function M.race(trace, frames)
  local results = {}
  for _, name in ipairs({ "lru", "clock", "arc", "2q", "lirs", "s3fifo", "sieve" }) do
    results[name] = vm.simulate{ trace = trace, policy = name, frames = frames }.hit_rate
  end
  results.mine = vm.simulate{ trace = trace, policy = M.make_policy(), frames = frames }.hit_rate
  return results
end

return M
