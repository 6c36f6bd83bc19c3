# The demo cluster, sourced by scripts/demo and scripts/guide-screenshots (not run on its
# own): creates it, starts its nodes and feeds it work. The caller sets ctl and node (the
# cohortctl and cohort-node programs), demo (the cluster's folder) and db (its database
# URL, "sqlite:$demo/cohort.db"), and keeps the nodes' process ids in the array pids.
# shellcheck shell=bash disable=SC2154

# Creates the cluster once: a secret file and, if there is no database yet, the database
# with the administrator "admin" (password in $demo/admin.password) and the auditor
# "audrey" (password in $demo/auditor.password). Does nothing to an existing cluster.
demo_create_cluster() {
    [ -f "$demo/secret.key" ] || "$ctl" gen-secret "$demo/secret.key"
    if [ ! -f "$demo/cohort.db" ]; then
        printf 'demo-password\n' > "$demo/admin.password"
        chmod 600 "$demo/admin.password"
        "$ctl" init --db "$db" --secret-file "$demo/secret.key" --admin admin \
            --password-file "$demo/admin.password" --name "Cohort Demo" \
            --full-name "Demo Administrator" --email admin@demo.example
        # An auditor, whose full name and e-mail address are sealed like the administrator's.
        printf 'auditor-password\n' > "$demo/auditor.password"
        chmod 600 "$demo/auditor.password"
        "$ctl" users add audrey --role auditor --full-name "Audrey Auditor" --email audrey@demo.example \
            --password-file "$demo/auditor.password" --db "$db" --secret-file "$demo/secret.key"
    fi
}

# Starts the node NAME in the background (data in $demo/NAME, log in $demo/node-NAME.log)
# and appends its process id to pids. Port 0: each node's API (which its peers probe
# every heartbeat) gets a free port of its own, recorded in the nodes table; `cohortctl
# nodes` shows it.
demo_start_node() {
    local name=$1
    "$node" --db "$db" --name "$name" --data-dir "$demo/$name" --secret-file "$demo/secret.key" \
        --api "127.0.0.1:0" --heartbeat 2 --offline-after 10 \
        >>"$demo/node-$name.log" 2>&1 &
    pids+=("$!")
}

# The demo's three nodes.
demo_start_nodes() {
    local name
    for name in alpha bravo charlie; do
        demo_start_node "$name"
    done
}

# One second's worth of the workload, round number ROUND: a steady mix of many short
# jobs, some slower ones, a failure now and then, and a cache clearing on every node
# once in a while.
demo_submit_round() {
    local round=$1
    "$ctl" jobs submit --db "$db" --type noop --count 200 >/dev/null
    "$ctl" jobs submit --db "$db" --type sleep --payload '{"ms": 250}' --count 8 >/dev/null
    if [ $((round % 5)) -eq 0 ]; then
        "$ctl" jobs submit --db "$db" --type fail --payload '{"error": "demo failure"}' --max-attempts 2 >/dev/null
    fi
    if [ $((round % 10)) -eq 0 ]; then
        "$ctl" jobs submit --db "$db" --type clear-cache >/dev/null
    fi
}
