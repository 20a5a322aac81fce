package server

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/gorilla/securecookie"
)

// sessionSerializer writes session values as a marked JSON object instead of gob, the
// securecookie default: gob sends its type descriptions with every value, so decoding one
// cookie cost some 55µs and 200 allocations, on every request. A session holds only the user
// id, the sign-in time and flash messages, which JSON carries exactly. Values of any other
// type, and cookies written before this codec, use gob, so nothing is lost and no one is
// signed out by the change.
type sessionSerializer struct{}

// jsonMark starts a JSON payload. A gob stream starts with a message length, never zero.
const jsonMark = 0

func (sessionSerializer) Serialize(src any) ([]byte, error) {
	m, ok := src.(map[any]any)
	if !ok {
		return securecookie.GobEncoder{}.Serialize(src)
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		ks, ok := k.(string)
		if !ok || !jsonSafe(v) {
			return securecookie.GobEncoder{}.Serialize(src)
		}
		out[ks] = v
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append([]byte{jsonMark}, b...), nil
}

// jsonSafe reports whether v comes back from JSON as the same type: int64 (as the decoder
// below reads every number), string, bool, or a list of strings (flashes).
func jsonSafe(v any) bool {
	switch v := v.(type) {
	case int64, string, bool:
		return true
	case []any:
		for _, x := range v {
			if _, ok := x.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}

func (sessionSerializer) Deserialize(src []byte, dst any) error {
	if len(src) == 0 || src[0] != jsonMark {
		return securecookie.GobEncoder{}.Deserialize(src, dst)
	}
	dm, ok := dst.(*map[any]any)
	if !ok {
		return errors.New("session: cannot decode into this type")
	}
	dec := json.NewDecoder(bytes.NewReader(src[1:]))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return err
	}
	if *dm == nil {
		*dm = make(map[any]any, len(m))
	}
	for k, v := range m {
		if n, ok := v.(json.Number); ok {
			i, err := n.Int64()
			if err != nil {
				return err
			}
			v = i
		}
		(*dm)[k] = v
	}
	return nil
}
