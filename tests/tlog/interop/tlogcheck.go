// tlogcheck verifies a C2SP tlog-tiles directory with the Go checksum-database
// libraries (golang.org/x/mod/sumdb/note and .../tlog), which know nothing of
// BearWitness. Only the tile path differs from sumdb's (no height element), so
// this reader maps tlog.Tile to the C2SP path and reads the file.
//
// Usage: tlogcheck DIR VKEY [OLD_CHECKPOINT_FILE ...]
// Prints "ok size=N entries=N older=K" and exits 0 when everything verifies.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type tiles struct {
	dir   string
	cache map[string][]byte // tiles are immutable; read each file once
}

func encodeIndex(n int64) string {
	s := fmt.Sprintf("%d", n)
	for len(s)%3 != 0 {
		s = "0" + s
	}
	var parts []string
	for i := 0; i < len(s); i += 3 {
		parts = append(parts, s[i:i+3])
	}
	for i := 0; i < len(parts)-1; i++ {
		parts[i] = "x" + parts[i]
	}
	return strings.Join(parts, "/")
}

func c2spPath(t tlog.Tile) string {
	level := strconv.Itoa(t.L)
	if t.L == -1 {
		level = "entries"
	}
	p := "tile/" + level + "/" + encodeIndex(t.N)
	if t.W != 1<<uint(t.H) {
		p += fmt.Sprintf(".p/%d", t.W)
	}
	return p
}

func (r tiles) Height() int { return 8 }
func (r tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		path := c2spPath(t)
		data, ok := r.cache[path]
		if !ok {
			var err error
			data, err = os.ReadFile(filepath.Join(r.dir, path))
			if err != nil {
				return nil, err
			}
			r.cache[path] = data
		}
		out[i] = data
	}
	return out, nil
}
func (r tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func openCheckpoint(data []byte, v note.Verifier) (int64, tlog.Hash) {
	n, err := note.Open(data, note.VerifierList(v))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if lines[0] != v.Name() {
		fail("origin %q is not the key name", lines[0])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != 32 {
		fail("root hash malformed")
	}
	var h tlog.Hash
	copy(h[:], raw)
	return size, h
}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	dir, vkey := os.Args[1], os.Args[2]
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("vkey: %v", err)
	}
	cp, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	size, root := openCheckpoint(cp, v)
	r := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tiles{dir, map[string][]byte{}})
	got, err := tlog.TreeHash(size, r)
	if err != nil || got != root {
		fail("tree hash: %v", err)
	}
	// Every entry: its record hash must equal the level-0 hash in a tile that the
	// Go reader authenticates up to the signed root. A sample also gets a full
	// RFC 6962 record proof through tlog.ProveRecord / tlog.CheckRecord.
	count := int64(0)
	for start := int64(0); start < size; start += 256 {
		w := size - start
		if w > 256 {
			w = 256
		}
		tile := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(w)}
		hashes, err := tlog.ReadTileData(tile, r)
		if err != nil {
			fail("tile %s: %v", c2spPath(tile), err)
		}
		data, err := os.ReadFile(filepath.Join(dir, c2spPath(tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)})))
		if err != nil {
			fail("%v", err)
		}
		for i := int64(0); i < w; i++ {
			if len(data) < 2 {
				fail("bundle truncated")
			}
			l := int(data[0])<<8 | int(data[1])
			entry := data[2 : 2+l]
			data = data[2+l:]
			idx := start + i
			h := tlog.RecordHash(entry)
			if !bytes.Equal(h[:], hashes[i*32:(i+1)*32]) {
				fail("entry %d does not match its tile", idx)
			}
			if idx%97 == 0 || idx == size-1 {
				p, err := tlog.ProveRecord(size, idx, r)
				if err != nil {
					fail("prove %d: %v", idx, err)
				}
				if err := tlog.CheckRecord(p, size, root, idx, h); err != nil {
					fail("entry %d: %v", idx, err)
				}
			}
			count++
		}
		if len(data) != 0 {
			fail("bundle has extra bytes")
		}
	}
	for _, f := range os.Args[3:] {
		old, err := os.ReadFile(f)
		if err != nil {
			fail("%v", err)
		}
		oldSize, oldRoot := openCheckpoint(old, v)
		p, err := tlog.ProveTree(size, oldSize, r)
		if err != nil {
			fail("prove tree %d: %v", oldSize, err)
		}
		if err := tlog.CheckTree(p, size, root, oldSize, oldRoot); err != nil {
			fail("older checkpoint size %d: %v", oldSize, err)
		}
	}
	fmt.Printf("ok size=%d entries=%d older=%d\n", size, count, len(os.Args)-3)
}
