package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
)

// callTimeout bounds a whole call to the gateway's API, its answer read
// included (well inside the leases).
const callTimeout = 2 * time.Second

// maxAnswerBytes is the most of an answer the worker reads.
const maxAnswerBytes = 1 << 20

// client calls the gateway's API.
var client = &http.Client{Timeout: callTimeout}

// fetch GETs one object from the gateway's API; a processingFailed with
// paywit's category (and the failure, to schedule a retry) when the call fails.
func (w *worker) fetch(path string) (map[string]any, error) {
	response, err := client.Get(w.gateway + path)
	if err != nil {
		return nil, failed(transportFailure(err))
	}
	defer response.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(response.Body, maxAnswerBytes+1))
	if err != nil || len(raw) > maxAnswerBytes {
		return nil, failed(transportFailure(err))
	}
	if response.StatusCode/100 != 2 {
		return nil, failed(httpFailure(response))
	}
	object, ok := decodeObject(raw)
	if !ok {
		return nil, malformed
	}
	return object, nil
}

// failed is the processingFailed of a failed API call, with paywit's category.
func failed(failure paywit.Failure) error {
	category := paywit.CategoryUnknown
	if c, err := paywit.Classify(failure); err == nil {
		category = c.Category
	}
	return &processingFailed{category: category.String(), failure: &failure}
}

// httpFailure is an HTTP answer that is not a success, in paywit's Failure shape.
func httpFailure(response *http.Response) paywit.Failure {
	status := uint16(response.StatusCode)
	failure := paywit.Failure{Status: &status}
	if retryAfter := response.Header.Get("Retry-After"); retryAfter != "" {
		failure.RetryAfter = &retryAfter
	}
	return failure
}

// transportFailure is a call that got no answer, in paywit's Failure shape.
func transportFailure(err error) paywit.Failure {
	transport := paywit.TransportErrorConnectionReset
	var netErr net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		transport = paywit.TransportErrorTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		transport = paywit.TransportErrorConnectionRefused
	}
	return paywit.Failure{Transport: &transport}
}

// nextStep is what paywit's API policy says to do after attempt failed.
func nextStep(attempt int64, failure paywit.Failure) (paywit.Step, error) {
	policy, err := paywit.APIPolicy()
	if err != nil {
		return nil, err
	}
	return paywit.NextStep(policy, uint32(attempt), failure, time.Time{})
}
