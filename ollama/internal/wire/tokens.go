package wire

import (
	"unicode"
	"unicode/utf8"

	"github.com/ollama/ollama/api"
)

// imageTokens is what Gemma 3 spends on an image: 256 soft tokens and
// four markers ("\n\n", start and end of image, "\n\n"), as a real
// server's prompt counts show (docs/e2e.md).
const imageTokens = 260

// promptTokens estimates the prompt's token count: about four bytes a token
// for text and imageTokens an image (req as the model sees it: a model
// without vision never gets the images).
func promptTokens(req *api.ChatRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += len(m.Content)/4 + 4 + imageTokens*len(m.Images)
	}
	return n
}

// tokenize splits s into token-like chunks the way a streaming server
// delivers them: words of at most four letters or digits, runs of spaces,
// and single punctuation marks. Concatenating the chunks gives s back.
func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		j := i + size
		switch {
		case isWord(r):
			for n := 1; j < len(s) && n < 4; n++ {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !isWord(r2) {
					break
				}
				j += sz
			}
		case unicode.IsSpace(r):
			for j < len(s) {
				r2, sz := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsSpace(r2) {
					break
				}
				j += sz
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func isWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
