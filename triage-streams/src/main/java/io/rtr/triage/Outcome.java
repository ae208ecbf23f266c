package io.rtr.triage;

/**
 * What a triage stage produced for one input: a value for the next stage ({@code main}, which may
 * be null, e.g. an order deletion) or one for a side topic (rejections, dead letters). Lets each
 * processor stay a single DSL node whose output is then split by type.
 */
record Outcome<M, S>(M main, S side, boolean isSide) {

    static <M, S> Outcome<M, S> mainValue(M value) {
        return new Outcome<>(value, null, false);
    }

    static <M, S> Outcome<M, S> sideValue(S value) {
        return new Outcome<>(null, value, true);
    }
}
