package io.rtr.worklist.api;

/** The JSON body of every error response: a stable machine-readable code and a sentence for people. */
record ApiError(String error, String message) {
}
