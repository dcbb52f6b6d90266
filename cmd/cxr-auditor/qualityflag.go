package main

import (
	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/render"
	"github.com/cxr-auditor/cxr-auditor/session"
)

// qualityFlag is the --picture-quality flag render, review and demo share:
// auto, full or lean, checked while the flags are parsed. Unset, it leaves
// the choice to CXR_AUDITOR_PICTURE_QUALITY, then auto (lean over SSH).
type qualityFlag struct{ q render.Quality }

// String returns the value given, or "" when the flag was not set.
func (f *qualityFlag) String() string {
	if f == nil {
		return ""
	}
	return string(f.q)
}

// Set reads auto, full or lean.
func (f *qualityFlag) Set(v string) error {
	q, err := render.ParseQuality(v)
	if err != nil {
		return err
	}
	f.q = q
	return nil
}

// Type names the value in help and completions.
func (f *qualityFlag) Type() string { return "quality" }

// addQualityFlag defines --picture-quality on cmd.
func addQualityFlag(cmd *cobra.Command) *qualityFlag {
	f := &qualityFlag{}
	cmd.Flags().Var(f, "picture-quality", "sixel pictures: auto (lean over SSH), full or lean (default $"+render.EnvQuality+", else auto)")
	_ = cmd.RegisterFlagCompletionFunc("picture-quality", completeWords(string(render.QualityAuto), string(render.QualityFull), string(render.QualityLean)))
	return f
}

// pictureQuality is the quality the flag asks for, else the one
// CXR_AUDITOR_PICTURE_QUALITY names, else "" (auto): session.PictureQuality.
func pictureQuality(e env, f *qualityFlag) (render.Quality, error) {
	var q render.Quality
	if f != nil {
		q = f.q
	}
	return session.PictureQuality(q, e.getenv)
}
