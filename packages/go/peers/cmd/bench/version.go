package main

import "runtime"

var goVersion = runtime.Version()
