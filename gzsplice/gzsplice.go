// Package gzsplice writes gzip streams into which runs of bytes compressed ahead of time are
// spliced whole, so a page made mostly of fixed text is compressed once, not on every request.
//
// It rests on two properties of deflate (RFC 1951). A sync flush ends the blocks written so
// far on a byte boundary with an empty stored block, so deflate data that ends that way can be
// followed by any other deflate blocks. And a block refers back only by distance into what was
// already decoded, so blocks compressed on their own, without history, decode the same
// wherever they sit. The gzip trailer (RFC 1952) is the CRC-32 and length of the whole
// uncompressed text, which the Writer keeps as it goes.
package gzsplice

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/flate"
)

// Block is a run of bytes with its deflate form: non-final blocks ending in a sync flush.
type Block struct {
	raw      []byte
	deflated []byte
}

// Packer compresses runs into Blocks, as hard as deflate can: Blocks are made once and spliced
// into many streams. One Packer serves a whole batch (a course's prose) and is dropped after:
// its compressor holds about a megabyte of state, too much to keep for the next reload.
type Packer struct {
	fw  *flate.Writer
	buf bytes.Buffer
}

// NewPacker returns a Packer.
func NewPacker() *Packer {
	fw, _ := flate.NewWriter(nil, flate.BestCompression) // only a bad level errors
	return &Packer{fw: fw}
}

// Pack returns raw's Block. The Block keeps raw: the caller must not change it after.
func (p *Packer) Pack(raw []byte) *Block {
	p.buf.Reset()
	p.fw.Reset(&p.buf)
	p.fw.Write(raw) // a bytes.Buffer never errors
	p.fw.Flush()    // byte-aligned, and not final
	return &Block{raw: raw, deflated: bytes.Clone(p.buf.Bytes())}
}

// Raw returns the block's uncompressed bytes.
func (b *Block) Raw() []byte { return b.raw }

// header is a gzip member header: deflate, no name, no time, unknown OS.
var header = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// Writer writes one gzip stream to an io.Writer: text passed to Write is held until the next
// Splice or Close, then sent as one run; Splice adds a Block. Not safe for concurrent use;
// Reset lets a pool reuse it.
//
// A run shorter than MinDeflate goes out as a stored block, uncompressed: on a short run the
// Huffman tables deflate builds for each flushed run cost more CPU than the bytes they save.
// Every block written here ends on a byte boundary, so a stored block's header needs no padding.
type Writer struct {
	dst     io.Writer
	live    *flate.Writer
	pending []byte // text written since the last run went out
	crc     uint32
	size    uint32
	err     error
	// MinDeflate is the shortest run compressed at the Writer's level; see above.
	MinDeflate int
}

// NewWriter returns a Writer compressing runs at level (flate's levels).
func NewWriter(dst io.Writer, level int) (*Writer, error) {
	live, err := flate.NewWriter(nil, level)
	if err != nil {
		return nil, err
	}
	w := &Writer{live: live}
	w.Reset(dst)
	return w, nil
}

// Reset starts a new stream to dst; a nil dst leaves the Writer idle until the next Reset.
func (w *Writer) Reset(dst io.Writer) {
	w.dst, w.pending, w.crc, w.size, w.err = dst, w.pending[:0], 0, 0, nil
	if dst != nil {
		_, w.err = dst.Write(header)
	}
}

// Write adds p to the current run.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.crc = crc32.Update(w.crc, crc32.IEEETable, p)
	w.size += uint32(len(p)) // RFC 1952 keeps the length modulo 2^32
	w.pending = append(w.pending, p...)
	return len(p), nil
}

// Splice sends the current run, then b's deflate blocks as they are.
func (w *Writer) Splice(b *Block) error {
	if w.sendRun(); w.err != nil {
		return w.err
	}
	if _, w.err = w.dst.Write(b.deflated); w.err != nil {
		return w.err
	}
	w.crc = crc32.Update(w.crc, crc32.IEEETable, b.raw)
	w.size += uint32(len(b.raw))
	return nil
}

// Close sends the current run, ends the deflate data with an empty final stored block, and
// writes the trailer. It does not close dst.
func (w *Writer) Close() error {
	if w.sendRun(); w.err != nil {
		return w.err
	}
	var end [5 + 8]byte
	copy(end[:], []byte{1, 0, 0, 0xff, 0xff}) // BFINAL=1, stored, length 0
	binary.LittleEndian.PutUint32(end[5:], w.crc)
	binary.LittleEndian.PutUint32(end[9:], w.size)
	_, w.err = w.dst.Write(end[:])
	return w.err
}

// sendRun writes the pending run: deflated from a fresh start (what went before it may be a
// spliced block the compressor never saw) and sync-flushed, or stored.
func (w *Writer) sendRun() {
	run := w.pending
	w.pending = w.pending[:0]
	if w.err != nil || len(run) == 0 {
		return
	}
	if len(run) >= w.MinDeflate {
		w.live.Reset(w.dst)
		if _, w.err = w.live.Write(run); w.err == nil {
			w.err = w.live.Flush()
		}
		return
	}
	for len(run) > 0 {
		n := min(len(run), 0xffff)
		hdr := [5]byte{0, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)} // BFINAL=0, stored, LEN, NLEN
		if _, w.err = w.dst.Write(hdr[:]); w.err == nil {
			_, w.err = w.dst.Write(run[:n])
		}
		if w.err != nil {
			return
		}
		run = run[n:]
	}
}
