package pipeline

import (
	"bytes"
	"context"
	"fmt"

	"github.com/cxr-auditor/cxr-auditor/radiograph"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// modelImage is an image ready for the grounding model: the PNG sent and
// how to map boxes back to the original image (the identity for squash).
type modelImage struct {
	png []byte
	pad radiograph.Padding
	geo radiograph.ModelGeometry
}

// readImage reads the image file once and returns its bytes and their hash
// (the grounding stage's input hash). It reads through radiograph.ReadFile, so
// run and review refuse what render refuses: a path that is not a regular
// file (a FIFO, /dev/zero) or a file over the size limit. Errors name the
// file.
//
// It reads the radiograph.OpenFile straight into a buffer of the file's size:
// radiograph.ReadFile's read buffer per file is garbage for the collector at
// every item (see docs/performance.md).
func readImage(path string) ([]byte, string, error) {
	f, err := radiograph.OpenFile(path, radiograph.LoadOptions{})
	if err != nil {
		return nil, "", fmt.Errorf("read image: %w", err)
	}
	defer f.Close()
	buf := bytes.NewBuffer(make([]byte, 0, f.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, "", fmt.Errorf("read image: image %s: %w", path, err)
	}
	data := buf.Bytes()
	return data, HashBytes(data), nil
}

// prepareImage decodes data (the bytes of the file at path) and builds the
// model input in geometry g with the image's default window. A corrupt
// image is an error naming the file.
func prepareImage(ctx context.Context, path string, data []byte, g radiograph.ModelGeometry) (modelImage, error) {
	r, err := radiograph.Decode(ctx, bytes.NewReader(data), path, radiograph.LoadOptions{})
	if err != nil {
		return modelImage{}, err
	}
	png, pad, err := radiograph.ModelInput(r, r.DefaultWindow, g)
	if err != nil {
		return modelImage{}, fmt.Errorf("image %s: %w", path, err)
	}
	return modelImage{png: png, pad: pad, geo: g}, nil
}

// unpadFindings maps every box from the padded square back to the original
// image. A box that lies entirely in the padding is dropped (the finding
// keeps its label, without a box) and noted as a "dropped_box" diagnostic.
// The input slice is not modified.
func unpadFindings(fs []schema.Finding, pad radiograph.Padding) ([]schema.Finding, []schema.Diagnostic) {
	out := make([]schema.Finding, len(fs))
	var notes []schema.Diagnostic
	for i, f := range fs {
		out[i] = f // confidence and evidence go with the finding
		out[i].Box = nil
		if f.Box == nil {
			continue
		}
		rb, ok := pad.Unpad(radiograph.Box(*f.Box))
		if !ok {
			notes = append(notes, schema.Diagnostic{Kind: "dropped_box",
				Message: fmt.Sprintf("%s box %v lies entirely in the padding added to make the image square; kept the label without a box",
					f.Label, [4]float64{f.Box.Y0, f.Box.X0, f.Box.Y1, f.Box.X1})})
			continue
		}
		b := schema.Box(rb)
		out[i].Box = &b
	}
	return out, notes
}
