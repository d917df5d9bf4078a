-- Lab 04 reference solution.
local M = {}

function M.predict_walks(schedule, user_pages, kernel_pages, opts)
  local walks, current, ran, kernel_cached = 0, nil, {}, false
  for _, p in ipairs(schedule) do
    if p ~= current then                                -- a real switch (same process: none)
      local keeps_user = opts.pcid and ran[p]           -- its ASID-tagged entries survived
      if not keeps_user then walks = walks + user_pages end
      if opts.global then
        if not kernel_cached then walks = walks + kernel_pages end   -- global: survive every switch
      elseif not keeps_user then
        walks = walks + kernel_pages                    -- non-global kernel entries are per ASID too
      end
      kernel_cached, ran[p], current = true, true, p
    end
  end
  return walks
end

-- The ASID allocator of one CPU: ASIDs 1 … 2^bits − 1 handed out in increasing order in each
-- generation; a rollover (when none is free) frees them all and flushes. Calls fresh(slice) when a
-- slice's process gets a new ASID (its old entries are gone).
local function allocate(n, bits, switches, fresh)
  local max = (1 << bits) - 1
  local asid_of, gen_of = {}, {}
  local generation, next_asid, rollovers, current = 1, 1, 0, nil
  local asids = {}
  for i = 1, switches do
    local p = (i - 1) % n
    if p ~= current and gen_of[p] ~= generation then
      if next_asid > max then
        generation, next_asid, rollovers = generation + 1, 1, rollovers + 1
      end
      asid_of[p], gen_of[p], next_asid = next_asid, generation, next_asid + 1
      fresh(i)
    end
    current = p
    asids[i] = asid_of[p]
  end
  return { asids = asids, rollovers = rollovers }
end

function M.asid_sequence(n, bits, switches)
  return allocate(n, bits, switches, function() end)
end

function M.pcid_walks(n, bits, switches, pages)
  local walks = 0
  allocate(n, bits, switches, function() walks = walks + pages end)
  return walks
end

function M.kpti_price(n, pages, costs, pcid)
  local switches = 2 * n                                -- into the kernel and back
  local walks = pcid and 0 or n * pages                 -- without PCIDs each root switch flushes
  local cycles = switches * costs.kpti_switch + n * pages * costs.tlb_hit + walks * 4 * costs.memory_reference
  return { switches = switches, walks = walks, cycles = cycles }
end

return M
