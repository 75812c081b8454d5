package knowledge

import "encoding/json"

// maxMessageBytes is the maximum length of [StatusError.Message].
const maxMessageBytes = 256

// serverMessage returns the message, error or detail field of a JSON
// object body, or else the whole body as text. A field that is an object
// or array is returned as JSON text.
func serverMessage(body []byte) string {
	// encoding/json matches field names without regard to case, so
	// "Message" from a .NET service is found too.
	var fields struct {
		Message json.RawMessage `json:"message"`
		Error   json.RawMessage `json:"error"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &fields) == nil {
		for _, raw := range []json.RawMessage{fields.Message, fields.Error, fields.Detail} {
			if text := jsonText(raw); text != "" {
				return text
			}
		}
	}
	return string(body)
}

// jsonText returns a JSON string's value, "" for null or nothing, and the
// JSON text of any other value.
func jsonText(raw json.RawMessage) string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return text
	}
	return string(raw)
}
