package io.rtr.ingest;

/** The connector's version as Connect reports it. */
final class Version {

    /** From the jar manifest when packaged, else the development version. */
    static final String VALUE = Version.class.getPackage().getImplementationVersion() != null
            ? Version.class.getPackage().getImplementationVersion() : "0.1.0-SNAPSHOT";

    private Version() {
    }
}
