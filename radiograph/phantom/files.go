package phantom

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// Format is how a catalog entry is written.
type Format string

// The file formats of the committed phantoms.
const (
	PNG8  Format = "png8"
	PNG16 Format = "png16" // 12-bit values in a 16-bit PNG
	JPEG  Format = "jpeg"
	// DICOMMono1 is explicit VR little endian, MONOCHROME1, 16 bits
	// allocated, 12 stored, unsigned, with junk in the 4 unused high bits
	// (as overlay planes left in pixel data do) so readers must mask.
	DICOMMono1 Format = "dicom-mono1"
	// DICOMSigned is MONOCHROME2, 12 bits stored, signed, with a Rescale
	// Intercept of 2048 and two window presets.
	DICOMSigned Format = "dicom-signed"
)

// File is one committed phantom.
type File struct {
	Name   string
	Spec   Spec
	Format Format
}

// ID is the file name without its extension; truth.jsonl uses it.
func (f File) ID() string { return f.Name[:len(f.Name)-len(filepath.Ext(f.Name))] }

// Catalog lists the committed phantoms: one normal and one per finding, in
// 8-bit and 16-bit PNG, JPEG and DICOM, portrait, landscape and small.
func Catalog() []File {
	return []File{
		{"phantom-normal.png", Spec{Normal, 1024, 1248, 1}, PNG8},
		{"phantom-effusion-16bit.png", Spec{Effusion, 640, 780, 2}, PNG16},
		{"phantom-cardiomegaly-landscape.png", Spec{Cardiomegaly, 1200, 900, 3}, PNG8},
		{"phantom-nodule.jpg", Spec{Nodule, 820, 1000, 4}, JPEG},
		{"phantom-ptx-mono1.dcm", Spec{Pneumothorax, 512, 624, 5}, DICOMMono1},
		{"phantom-consolidation-signed.dcm", Spec{Consolidation, 480, 585, 6}, DICOMSigned},
	}
}

// TruthLine is one line of truth.jsonl.
type TruthLine struct {
	ID       string           `json:"id"`
	Image    string           `json:"image"`
	Findings []schema.Finding `json:"findings"`
}

// WriteAll renders the catalog into dir, with truth.jsonl and a README
// saying the images are synthetic.
func WriteAll(dir string) error { return writeAll(dir, Catalog()) }

func writeAll(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("phantoms: %w", err)
	}
	var truth bytes.Buffer
	enc := json.NewEncoder(&truth)
	for _, f := range files {
		im := Render(f.Spec)
		var buf bytes.Buffer
		if err := im.Write(&buf, f.Format, f.ID()); err != nil {
			return fmt.Errorf("phantoms: %s: %w", f.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("phantoms: %w", err)
		}
		if err := enc.Encode(TruthLine{ID: f.ID(), Image: f.Name, Findings: im.Findings}); err != nil {
			return fmt.Errorf("phantoms: %s: %w", f.Name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.jsonl"), truth.Bytes(), 0o644); err != nil {
		return fmt.Errorf("phantoms: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme), 0o644)
}

const readme = `# Synthetic chest phantoms

**These are synthetic images drawn by code (radiograph/phantom), not radiographs of
any person.** They are cartoons with lung fields, mediastinum, heart, spine,
ribs, clavicles, lung markings and noise, plus one finding each, and exist so
cxr-auditor's tests, benchmarks and demo have images with known answers. They
carry no clinical meaning. cxr-auditor is for research and education only; it
is not a medical device.

Regenerate (deterministic, byte for byte): ` + "`go generate ./radiograph/phantom`" + `

| file | finding | encoding |
| --- | --- | --- |
| phantom-normal.png | no_finding | 8-bit PNG, 1024x1248 portrait |
| phantom-effusion-16bit.png | pleural_effusion (blunted right costophrenic angle, meniscus) | 16-bit PNG holding 12-bit values, 640x780 |
| phantom-cardiomegaly-landscape.png | cardiomegaly | 8-bit PNG, 1200x900 landscape |
| phantom-nodule.jpg | nodule_mass (right upper zone) | baseline JPEG, 820x1000 |
| phantom-ptx-mono1.dcm | pneumothorax (left apex: pleural line, no markings beyond) | DICOM MONOCHROME1, 12 of 16 bits stored, junk in the high bits |
| phantom-consolidation-signed.dcm | lung_opacity_consolidation (left lower zone) | DICOM MONOCHROME2, 12-bit signed, Rescale Intercept 2048 |

` + "`truth.jsonl`" + ` holds one line per image: ` + "`{\"id\",\"image\",\"findings\":[{\"label\",\"box_2d\"}]}`" + `,
boxes in normalized_y0x0y1x1 (the schema's box format), relative to each
image's own width and height.
`

// Write encodes the phantom in the given format; id becomes the DICOM
// patient and study identifiers.
func (im *Image) Write(w io.Writer, f Format, id string) error {
	switch f {
	case PNG8:
		return png.Encode(w, im.Gray8())
	case PNG16:
		return png.Encode(w, im.Gray16())
	case JPEG:
		return jpeg.Encode(w, im.Gray8(), &jpeg.Options{Quality: 90})
	case DICOMMono1, DICOMSigned:
		return im.writeDICOM(w, f, id)
	}
	return fmt.Errorf("unknown phantom format %q", f)
}

// writeDICOM writes a Digital X-Ray (for presentation) object with
// suyashkumar/dicom's writer. Pixel data is handed over as raw bytes (the
// library's unprocessed-value path), which avoids its per-pixel [][]int
// representation.
func (im *Image) writeDICOM(w io.Writer, f Format, id string) error {
	raw := make([]byte, 2*len(im.Pix))
	var (
		photometric  = "MONOCHROME2"
		pixelRep     = 0
		intercept    = "0"
		centers      = "2000"
		widths       = "3800"
		windowValues func(v uint16) uint16
	)
	switch f {
	case DICOMMono1:
		photometric = "MONOCHROME1"
		// Stored values are inverted so that, displayed as MONOCHROME1, the
		// chest looks the same; the window is expressed on stored values.
		centers, widths = "2095", "3800"
		windowValues = func(v uint16) uint16 { return MaxValue - v }
	case DICOMSigned:
		pixelRep = 1
		intercept = "2048"
		centers, widths = "1900\\2000", "3000\\3800"
		windowValues = func(v uint16) uint16 { return uint16(int16(v) - 2048) } // two's complement
	}
	for i, v := range im.Pix {
		s := windowValues(v)
		if f == DICOMMono1 {
			// Junk in bits 12-15 on a band of rows, like a burned-in
			// overlay plane: readers that do not mask to BitsStored show it.
			if y := i / im.Width; y%64 < 8 {
				s |= 0xA000
			}
		} else {
			s &= 0x0FFF
			if s&0x0800 != 0 {
				s |= 0xF000 // sign-extend 12-bit two's complement into 16 bits
			}
		}
		binary.LittleEndian.PutUint16(raw[2*i:], s)
	}
	uidRoot := "2.25." + strconv.FormatUint(uint64(len(id))*1000003+uint64(im.Width)*7919+uint64(im.Height), 10)
	els := []dicomElement{
		{tag.FileMetaInformationVersion, []byte{0, 1}},
		{tag.MediaStorageSOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.1.1"}},
		{tag.MediaStorageSOPInstanceUID, []string{uidRoot + ".3"}},
		{tag.TransferSyntaxUID, []string{"1.2.840.10008.1.2.1"}},
		{tag.SOPClassUID, []string{"1.2.840.10008.5.1.4.1.1.1.1"}},
		{tag.SOPInstanceUID, []string{uidRoot + ".3"}},
		{tag.Modality, []string{"DX"}},
		{tag.PatientName, []string{"SYNTHETIC^PHANTOM"}},
		{tag.PatientID, []string{id}},
		{tag.StudyInstanceUID, []string{uidRoot + ".1"}},
		{tag.SeriesInstanceUID, []string{uidRoot + ".2"}},
		{tag.StudyDescription, []string{"SYNTHETIC PHANTOM - NOT PATIENT DATA"}},
		{tag.ImageType, []string{"DERIVED", "SECONDARY"}},
		{tag.SamplesPerPixel, []int{1}},
		{tag.PhotometricInterpretation, []string{photometric}},
		{tag.Rows, []int{im.Height}},
		{tag.Columns, []int{im.Width}},
		{tag.BitsAllocated, []int{16}},
		{tag.BitsStored, []int{12}},
		{tag.HighBit, []int{11}},
		{tag.PixelRepresentation, []int{pixelRep}},
		{tag.WindowCenter, []string{centers}},
		{tag.WindowWidth, []string{widths}},
		{tag.RescaleIntercept, []string{intercept}},
		{tag.RescaleSlope, []string{"1"}},
		{tag.PixelData, dicom.PixelDataInfo{IntentionallyUnprocessed: true, UnprocessedValueData: raw}},
	}
	return writeElements(w, els)
}

// dicomElement is one element to write: its tag and value.
type dicomElement struct {
	t tag.Tag
	v any
}

// writeElements writes els as a DICOM dataset, in ascending tag order as
// the format requires; pixel data is written as OW.
func writeElements(w io.Writer, els []dicomElement) error {
	slices.SortStableFunc(els, func(a, b dicomElement) int {
		return cmp.Or(cmp.Compare(a.t.Group, b.t.Group), cmp.Compare(a.t.Element, b.t.Element))
	})
	ds := dicom.Dataset{}
	for _, e := range els {
		el, err := dicom.NewElement(e.t, e.v)
		if err != nil {
			return fmt.Errorf("DICOM element (%04X,%04X): %w", e.t.Group, e.t.Element, err)
		}
		if e.t == tag.PixelData {
			el.RawValueRepresentation = "OW"
		}
		ds.Elements = append(ds.Elements, el)
	}
	return dicom.Write(w, ds)
}
