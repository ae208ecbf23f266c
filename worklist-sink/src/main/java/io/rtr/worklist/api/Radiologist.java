package io.rtr.worklist.api;

/** A radiologist the page can offer: registered, or holding studies without being registered yet. */
record Radiologist(String radiologistId, String displayName, String subspecialty, boolean registered,
                   long openStudies) {
}
