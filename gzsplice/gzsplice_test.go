package gzsplice

import (
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"strings"
	"testing"
)

// pack makes a Block with a Packer of its own, as a test needs no more.
func pack(raw []byte) *Block { return NewPacker().Pack(raw) }

// piece is either text the Writer compresses itself or a precompressed block.
type piece struct {
	text   string
	splice bool
}

// roundTrip writes the pieces as one stream and decodes it with the standard library's gzip
// reader, which checks the CRC-32 and the length in the trailer.
func roundTrip(t testing.TB, w *Writer, pieces []piece) (stream []byte, decoded string) {
	t.Helper()
	var out bytes.Buffer
	w.Reset(&out)
	for _, p := range pieces {
		var err error
		if p.splice {
			err = w.Splice(pack([]byte(p.text)))
		} else {
			_, err = io.WriteString(w, p.text)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	br := bytes.NewReader(out.Bytes()) // a ByteReader: gzip reads no further than it must
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("decoding: %v", err)
	}
	if br.Len() != 0 {
		t.Fatalf("%d bytes after the trailer", br.Len())
	}
	return out.Bytes(), string(got)
}

// noRepeats is 4 KB of text with no repeats inside it, so what matches it can only be an
// earlier copy.
var noRepeats = func() string {
	var b strings.Builder
	x := uint32(2463534242)
	for b.Len() < 4096 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteString(strconv.FormatUint(uint64(x), 36))
	}
	return b.String()
}()

func TestSplicedStreamsDecodeToTheWholeText(t *testing.T) {
	prose := strings.Repeat("The customer is not always right, but should never be made to feel wrong. ", 200)
	cases := map[string][]piece{
		"only live text":          {{text: "<html><body>hello</body></html>"}},
		"only a block":            {{text: prose, splice: true}},
		"nothing at all":          {},
		"block between live text": {{text: "<header>Bench 0</header>"}, {text: prose, splice: true}, {text: "<footer>csrf=abc</footer>"}},
		"blocks back to back":     {{text: prose, splice: true}, {text: "<hr>", splice: true}, {text: prose, splice: true}},
		"empty pieces":            {{text: ""}, {text: "", splice: true}, {text: "x"}, {text: ""}},
		// The same block twice with live text between: a block refers only to its own bytes.
		"a block repeated":                       {{text: noRepeats}, {text: prose, splice: true}, {text: noRepeats}, {text: prose, splice: true}},
		"a run longer than a stored block holds": {{text: strings.Repeat(noRepeats, 20)}, {text: prose, splice: true}, {text: "x"}},
	}
	w := NewWriter(io.Discard)
	for name, pieces := range cases {
		t.Run(name, func(t *testing.T) {
			var want strings.Builder
			for _, p := range pieces {
				want.WriteString(p.text)
			}
			if _, got := roundTrip(t, w, pieces); got != want.String() {
				t.Fatalf("decoded %d bytes, want %d:\n%.200q", len(got), want.Len(), got)
			}
		})
	}
}

// A spliced page is no larger than the same page compressed whole at level 1, its short
// live runs stored: the block was compressed at the best level.
func TestSplicedPageIsNoLargerThanLevelOne(t *testing.T) {
	prose := strings.Repeat("Listen first, then acknowledge what the customer feels, then act. ", 150)
	w := NewWriter(io.Discard)
	stream, _ := roundTrip(t, w, []piece{{text: "<nav>x</nav>"}, {text: prose, splice: true}, {text: "<footer>y</footer>"}})
	var whole bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&whole, 1)
	io.WriteString(zw, "<nav>x</nav>"+prose+"<footer>y</footer>")
	zw.Close()
	if len(stream) > whole.Len() {
		t.Fatalf("spliced %d bytes, whole at level 1 %d", len(stream), whole.Len())
	}
}

func FuzzSplice(f *testing.F) {
	f.Add([]byte("abc"), []byte("defdefdef"), []byte("abcabc"), uint8(5))
	f.Add([]byte{}, []byte{0, 0, 0xff, 0xff}, []byte{}, uint8(0))
	w := NewWriter(io.Discard)
	f.Fuzz(func(t *testing.T, a, b, c []byte, which uint8) {
		pieces := []piece{{text: string(a), splice: which&1 != 0}, {text: string(b), splice: which&2 != 0}, {text: string(c), splice: which&4 != 0}}
		if _, got := roundTrip(t, w, pieces); got != string(a)+string(b)+string(c) {
			t.Fatalf("decoded %q, want %q", got, string(a)+string(b)+string(c))
		}
	})
}
