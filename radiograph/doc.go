// Package radiograph is the chest radiograph itself: decoding, window/level,
// resampling and the model input, shared by the terminal display (package
// render) and the model pipeline.
//
//   - Decoding (Load, Decode): PNG (8/16-bit, grey or colour), JPEG and DICOM
//     (native pixel data and 8-bit baseline JPEG) into a Radiograph that keeps
//     modality values as float32, so window/level is exact. Files are opened
//     with OpenFile (regular files only, size bounded; ReadFile for callers
//     that hash first) and dimensions are checked against
//     LoadOptions.MaxPixels before any pixel is decoded; images above
//     MaxGridPixels are averaged down while decoding.
//   - Window/level (Window, AutoWindow, Radiograph.VOIMap, Radiograph.Gray):
//     the DICOM VOI functions (LINEAR, LINEAR_EXACT, SIGMOID) and
//     MONOCHROME1 inversion. The same windowing feeds the display and the
//     model input.
//   - Resampling (Radiograph.Resample, Crop, WithInvert): area averaging on
//     the modality values, so a window applied afterwards stays exact.
//   - Model input (ModelInput, ModelGeometry, Padding): windowed and
//     PNG-encoded, either as it is (ModelSquash, the default: the server's
//     resize to its square is the only geometry change, as in training) or
//     padded to a centred black square (ModelPad; Padding.Unpad maps boxes
//     back to the original image).
//
// It imports only the standard library, its internal packages (pngrows,
// jpegluma) and the DICOM reader; boxes are its own Box, laid out as
// schema.Box. See docs/render.md.
//
// cxr-auditor is for research and education only; it is not a medical device.
// The images in testdata/phantoms are synthetic phantoms (radiograph/phantom),
// not patient data.
package radiograph
