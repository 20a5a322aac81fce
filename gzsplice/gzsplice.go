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

// Writer writes one gzip stream to an io.Writer: text passed to Write goes out as stored
// (uncompressed) blocks, and Splice adds a Block between them. Not safe for concurrent use;
// Reset lets a pool reuse it.
//
// Stored, because what is written is the short per-request text around the spliced runs:
// deflating each such run cost more CPU (building Huffman tables for every flushed run) than
// the bytes it saved (docs/performance.md). Every block here ends on a byte boundary, so a
// stored block's header needs no padding.
type Writer struct {
	dst  io.Writer
	crc  uint32
	size uint32
	err  error
}

// NewWriter returns a Writer writing to dst.
func NewWriter(dst io.Writer) *Writer {
	w := &Writer{}
	w.Reset(dst)
	return w
}

// Reset starts a new stream to dst; a nil dst leaves the Writer idle until the next Reset.
func (w *Writer) Reset(dst io.Writer) {
	w.dst, w.crc, w.size, w.err = dst, 0, 0, nil
	if dst != nil {
		_, w.err = dst.Write(header)
	}
}

// Write adds p to the stream as stored blocks of at most 65,535 bytes.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.add(p)
	for rest := p; len(rest) > 0; {
		n := min(len(rest), 0xffff)
		hdr := [5]byte{0, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)} // BFINAL=0, stored, LEN, NLEN
		if _, w.err = w.dst.Write(hdr[:]); w.err == nil {
			_, w.err = w.dst.Write(rest[:n])
		}
		if w.err != nil {
			return 0, w.err
		}
		rest = rest[n:]
	}
	return len(p), nil
}

// Splice adds b's deflate blocks as they are.
func (w *Writer) Splice(b *Block) error {
	if w.err != nil {
		return w.err
	}
	w.add(b.raw)
	_, w.err = w.dst.Write(b.deflated)
	return w.err
}

// add counts p into the trailer's CRC-32 and length (RFC 1952 keeps the length modulo 2^32).
func (w *Writer) add(p []byte) {
	w.crc = crc32.Update(w.crc, crc32.IEEETable, p)
	w.size += uint32(len(p))
}

// Close ends the deflate data with an empty final stored block and writes the trailer. It
// does not close dst.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	var end [5 + 8]byte
	copy(end[:], []byte{1, 0, 0, 0xff, 0xff}) // BFINAL=1, stored, length 0
	binary.LittleEndian.PutUint32(end[5:], w.crc)
	binary.LittleEndian.PutUint32(end[9:], w.size)
	_, w.err = w.dst.Write(end[:])
	return w.err
}
