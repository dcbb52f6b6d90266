// Package render draws a radiograph on a terminal: sixel, kitty, iTerm2,
// half-block cells and a text listing, with box overlays drawn at display
// resolution in a colour-blind-safe palette.
//
//   - Choosing (Detect, DetectTTY, EnvCaps, Choose): what the terminal can
//     show, from its replies to a probe, the environment and the user's
//     override, and the protocol to use.
//   - Encoding (Encoder, NewEncoder, Request, Picture): the windowed,
//     resampled image with its overlays, in the chosen protocol, cached so a
//     window change or a redraw does not start over.
//
// The image itself (decoding, window/level, resampling) is package
// radiograph's; render knows nothing of Ollama or the TUI and imports only
// radiograph and schema. See docs/render.md.
//
// cxr-auditor is for research and education only; it is not a medical device.
package render
