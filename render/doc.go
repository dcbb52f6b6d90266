// Package render turns a chest radiograph into something a terminal can show
// and a vision model can read.
//
// It has four layers, each usable on its own:
//
//   - Decoding (Load, Decode): PNG (8/16-bit, grey or colour), JPEG and DICOM
//     (native pixel data and 8-bit baseline JPEG) into a Radiograph that keeps
//     modality values as float32, so window/level is exact. Files are opened
//     with OpenFile (regular files only, size bounded; ReadFile for callers
//     that hash first) and dimensions are checked against
//     LoadOptions.MaxPixels before any pixel is decoded; images above
//     MaxGridPixels are averaged down while decoding.
//   - Window/level (Window, AutoWindow, Radiograph.Gray): the DICOM VOI
//     functions (LINEAR, LINEAR_EXACT, SIGMOID) and MONOCHROME1 inversion. The
//     same windowing code feeds the display and the model input.
//   - Model input (ModelInput, ModelGeometry, Padding): windowed and
//     PNG-encoded, either as it is (ModelSquash, the default: the server's
//     resize to its square is the only geometry change, as in training) or
//     padded to a centred black square (ModelPad; Padding.Unpad maps boxes
//     back to the original image).
//   - Terminal output (Encoder, NewEncoder, Detect, Choose): sixel, kitty,
//     iTerm2, half-block cells and a text listing, with box overlays drawn at
//     display resolution in a colour-blind-safe palette.
//
// render knows nothing of Ollama or the TUI; it imports only schema.
//
// cxr-auditor is for research and education only; it is not a medical device.
// The images in testdata/phantoms are synthetic phantoms, not patient data.
package render
