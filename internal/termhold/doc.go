// Package termhold holds a terminal quiet while a program starts: keys
// typed before the program is ready are neither echoed onto the screen
// nor handed to it later as commands.
//
// Hold turns off echo and line editing on a terminal (signals still work:
// ctrl+c interrupts a slow start); Release discards whatever was typed
// meanwhile, says how many bytes that was, and restores the terminal as it
// was, ready for a full-screen program to take it.
package termhold
