// Package tui is the cxr-auditor review workstation: a Bubble Tea v2
// program with a worklist pane, an image pane (the radiograph with the
// grounded boxes, drawn by an Imager), a disagreement pane, the draft text
// with the parsed spans highlighted, a status bar and an expandable help
// line.
//
// The package depends only on the small interfaces it declares (Store,
// Engine, Imager): package pipeline and package store satisfy them, the
// command wires the real ones, and the tests pass fakes. Model is the only
// tea.Model; panes are plain structs the root model calls.
//
// Every model call, database write, image decode and image encode runs in a
// tea.Cmd, never in Update. Results carry the item ID and a generation
// number, so a result that arrives after the reviewer moved on is dropped.
// A verdict is shown as saved only after the store said it is durable.
//
// Images travel beside the renderer, not inside View: the view reserves a
// blank block of cells, and pictures drawn at the cursor (sixel, iTerm2,
// kitty graphics without placeholders) are written with tea.Raw one tick
// after the frame, at the block's top-left cell, inside a synchronized
// update, and removed out of band (kitty: deleted by id) when they no
// longer belong on the screen. In-band protocols (half-blocks, text, kitty
// placeholders, whose transmission alone is written) are part of the view.
//
// All untrusted text (drafts, model outputs, file names, notes, IDs) passes
// through Sanitize before it reaches the screen.
//
// cxr-auditor is for research and education only; it is not a medical
// device and must not be used for clinical decisions.
package tui
