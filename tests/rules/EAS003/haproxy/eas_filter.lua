-- Third-party ActiveSync app filter, loaded by haproxy.cfg with `lua-load`.
-- Registers the action `lua.check_ua` for `http-request` rules.

local blocked = { "cloudmagic", "newton" }

core.register_action("check_ua", { "http-req" }, function(txn)
    local agent = string.lower(txn.sf:req_fhdr("User-Agent") or "")
    for _, name in ipairs(blocked) do
        if string.find(agent, name, 1, true) then
            return act.DENY
        end
    end
    return act.CONTINUE
end)
