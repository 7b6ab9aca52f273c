// Command goclient drives HashiCorp's official Go client (github.com/hashicorp/consul/api)
// against the address in CONSUL_HTTP_ADDR and prints one JSON line per step. The interop tests
// run it against the dev server: if Consul's own client works there, the wire format does too.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/consul/api"
)

type step struct {
	Step  string `json:"step"`
	OK    bool   `json:"ok"`
	Info  any    `json:"info,omitempty"`
	Error string `json:"error,omitempty"`
}

func report(name string, info any, err error) {
	s := step{Step: name, OK: err == nil, Info: info}
	if err != nil {
		s.Error = err.Error()
	}
	line, _ := json.Marshal(s)
	fmt.Println(string(line))
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: goclient <scenario> <key prefix>")
		os.Exit(2)
	}
	client, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		report("client", nil, err)
		os.Exit(1)
	}
	scenarios := map[string]func(*api.Client, string){
		"kv":        kvScenario,
		"session":   sessionScenario,
		"txn":       txnScenario,
		"blocking":  blockingScenario,
		"lock":      lockScenario,
		"semaphore": semaphoreScenario,
		"lock-hold": lockHoldScenario,
		"lock-wait": lockWaitScenario,
		// The semaphore twins of lock-hold and lock-wait, on a limit-1 semaphore.
		"semaphore-hold": semaphoreHoldScenario,
		"semaphore-wait": semaphoreWaitScenario,
	}
	run, ok := scenarios[os.Args[1]]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown scenario", os.Args[1])
		os.Exit(2)
	}
	run(client, os.Args[2])
}

func kvScenario(c *api.Client, prefix string) {
	kv := c.KV()
	key := prefix + "/flags"
	_, err := kv.Put(&api.KVPair{Key: key, Flags: api.LockFlagValue, Value: []byte("v1")}, nil)
	report("put", nil, err)
	pair, meta, err := kv.Get(key, nil)
	if err == nil && pair == nil {
		err = fmt.Errorf("key missing")
	}
	if err == nil {
		report("get", map[string]any{"flags": fmt.Sprint(pair.Flags), "value": string(pair.Value), "index": meta.LastIndex, "modifyIndex": pair.ModifyIndex}, nil)
		ok, _, casErr := kv.CAS(&api.KVPair{Key: key, Value: []byte("v2"), ModifyIndex: pair.ModifyIndex}, nil)
		report("cas", map[string]any{"swapped": ok}, casErr)
		ok, _, casErr = kv.CAS(&api.KVPair{Key: key, Value: []byte("v3"), ModifyIndex: pair.ModifyIndex}, nil)
		report("cas-stale", map[string]any{"swapped": ok}, casErr)
	} else {
		report("get", nil, err)
	}
	_, err = kv.Put(&api.KVPair{Key: prefix + "/dir/a"}, nil)
	report("put-dir", nil, err)
	keys, _, err := kv.Keys(prefix+"/", "/", nil)
	report("keys", keys, err)
	pairs, _, err := kv.List(prefix+"/", nil)
	report("list", map[string]any{"count": len(pairs)}, err)
	_, err = kv.DeleteTree(prefix+"/", nil)
	report("delete-tree", nil, err)
	pair, _, err = kv.Get(key, nil)
	report("get-deleted", map[string]any{"missing": pair == nil}, err)
}

func sessionScenario(c *api.Client, prefix string) {
	s := c.Session()
	id, _, err := s.Create(&api.SessionEntry{Name: "interop", TTL: "10s", LockDelay: 2 * time.Second, Behavior: api.SessionBehaviorDelete}, nil)
	report("create", nil, err)
	entry, _, err := s.Info(id, nil)
	if err == nil && entry == nil {
		err = fmt.Errorf("session missing")
	}
	if err == nil {
		report("info", map[string]any{"name": entry.Name, "ttl": entry.TTL, "behavior": entry.Behavior, "lockDelay": entry.LockDelay.String(), "nodeChecks": entry.NodeChecks}, nil)
	} else {
		report("info", nil, err)
	}
	renewed, _, err := s.Renew(id, nil)
	report("renew", map[string]any{"found": renewed != nil}, err)
	list, _, err := s.List(nil)
	report("list", map[string]any{"count": len(list)}, err)
	_, err = s.Destroy(id, nil)
	report("destroy", nil, err)
	renewed, _, err = s.Renew(id, nil)
	report("renew-destroyed", map[string]any{"found": renewed != nil}, err)
}

func txnScenario(c *api.Client, prefix string) {
	ok, resp, _, err := c.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVSet, Key: prefix + "/t", Value: []byte("x"), Flags: api.SemaphoreFlagValue}},
		{KV: &api.KVTxnOp{Verb: api.KVGet, Key: prefix + "/t"}},
	}, nil)
	info := map[string]any{"ok": ok}
	if resp != nil && len(resp.Results) == 2 {
		info["flags"] = fmt.Sprint(resp.Results[1].KV.Flags)
		info["value"] = string(resp.Results[1].KV.Value)
	}
	report("txn", info, err)
	ok, resp, _, err = c.Txn().Txn(api.TxnOps{
		{KV: &api.KVTxnOp{Verb: api.KVCheckNotExists, Key: prefix + "/t"}},
	}, nil)
	info = map[string]any{"ok": ok}
	if resp != nil && len(resp.Errors) == 1 {
		info["what"] = resp.Errors[0].What
	}
	report("txn-conflict", info, err)
}

func blockingScenario(c *api.Client, prefix string) {
	kv := c.KV()
	key := prefix + "/watched"
	_, err := kv.Put(&api.KVPair{Key: key, Value: []byte("before")}, nil)
	report("put", nil, err)
	_, meta, err := kv.Get(key, nil)
	report("get", nil, err)
	go func() {
		time.Sleep(200 * time.Millisecond)
		kv.Put(&api.KVPair{Key: key, Value: []byte("after")}, nil)
	}()
	start := time.Now()
	pair, meta2, err := kv.Get(key, &api.QueryOptions{WaitIndex: meta.LastIndex, WaitTime: 10 * time.Second})
	info := map[string]any{"elapsedMs": time.Since(start).Milliseconds()}
	if pair != nil {
		info["value"] = string(pair.Value)
		info["advanced"] = meta2.LastIndex > meta.LastIndex
	}
	report("blocking-get", info, err)
}

func lockScenario(c *api.Client, prefix string) {
	lock, err := c.LockOpts(&api.LockOptions{Key: prefix + "/.lock", Value: []byte("go"), SessionTTL: "10s"})
	if err != nil {
		report("lock-opts", nil, err)
		return
	}
	lost, err := lock.Lock(nil)
	report("lock", nil, err)
	if err != nil {
		return
	}
	pair, _, err := c.KV().Get(prefix+"/.lock", nil)
	if err == nil && pair != nil {
		report("held", map[string]any{"flags": fmt.Sprint(pair.Flags), "session": pair.Session != "", "lockIndex": pair.LockIndex}, nil)
		// Invalidate our own session: the monitor must notice through its blocking query.
		_, err = c.Session().Destroy(pair.Session, nil)
		select {
		case <-lost:
			report("lost", nil, nil)
		case <-time.After(5 * time.Second):
			report("lost", nil, fmt.Errorf("lost channel not closed within 5s"))
		}
	} else {
		report("held", nil, fmt.Errorf("lock key missing: %v", err))
	}
	report("unlock", nil, lock.Unlock())
	report("destroy", nil, lock.Destroy())
}

func semaphoreScenario(c *api.Client, prefix string) {
	sema, err := c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: prefix, Limit: 2, SessionTTL: "10s"})
	if err != nil {
		report("semaphore-opts", nil, err)
		return
	}
	_, err = sema.Acquire(nil)
	report("acquire", nil, err)
	keys, _, err := c.KV().Keys(prefix+"/", "", nil)
	report("keys", map[string]any{"count": len(keys)}, err)
	report("release", nil, sema.Release())
	report("destroy", nil, sema.Destroy())
}

// lockHoldScenario takes the lock on the key given as prefix with Go's api.Lock, reports "held",
// then holds it until a line arrives on stdin, unlocks and reports "released".
func lockHoldScenario(c *api.Client, key string) {
	lock, err := c.LockOpts(&api.LockOptions{Key: key, Value: []byte("go"), SessionTTL: "10s"})
	if err != nil {
		report("lock-opts", nil, err)
		return
	}
	if _, err := lock.Lock(nil); err != nil {
		report("held", nil, err)
		return
	}
	report("held", nil, nil)
	bufio.NewReader(os.Stdin).ReadString('\n')
	report("released", nil, lock.Unlock())
}

// lockWaitScenario reports "waiting", blocks in Go's api.Lock until it holds the key given as
// prefix, reports "held", then unlocks and reports "released".
func lockWaitScenario(c *api.Client, key string) {
	lock, err := c.LockOpts(&api.LockOptions{Key: key, Value: []byte("go"), SessionTTL: "10s"})
	if err != nil {
		report("lock-opts", nil, err)
		return
	}
	report("waiting", nil, nil)
	if _, err := lock.Lock(nil); err != nil {
		report("held", nil, err)
		return
	}
	report("held", nil, nil)
	report("released", nil, lock.Unlock())
}

// limitOneSemaphore is the semaphore the semaphore-hold and semaphore-wait scenarios share.
func limitOneSemaphore(c *api.Client, prefix string) (*api.Semaphore, error) {
	return c.SemaphoreOpts(&api.SemaphoreOptions{Prefix: prefix, Limit: 1, Value: []byte("go"), SessionTTL: "10s"})
}

// semaphoreHoldScenario takes the only slot of a limit-1 semaphore at prefix with Go's
// api.Semaphore, reports "held", then holds it until a line arrives on stdin, releases and
// reports "released".
func semaphoreHoldScenario(c *api.Client, prefix string) {
	sema, err := limitOneSemaphore(c, prefix)
	if err != nil {
		report("semaphore-opts", nil, err)
		return
	}
	if _, err := sema.Acquire(nil); err != nil {
		report("held", nil, err)
		return
	}
	report("held", nil, nil)
	bufio.NewReader(os.Stdin).ReadString('\n')
	report("released", nil, sema.Release())
}

// semaphoreWaitScenario reports "waiting", blocks in Go's api.Semaphore until it holds the only
// slot of a limit-1 semaphore at prefix, reports "held", then releases and reports "released".
func semaphoreWaitScenario(c *api.Client, prefix string) {
	sema, err := limitOneSemaphore(c, prefix)
	if err != nil {
		report("semaphore-opts", nil, err)
		return
	}
	report("waiting", nil, nil)
	if _, err := sema.Acquire(nil); err != nil {
		report("held", nil, err)
		return
	}
	report("held", nil, nil)
	report("released", nil, sema.Release())
}
