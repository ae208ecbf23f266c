package io.rtr.worklist.api;

import java.util.Locale;
import java.util.Objects;

/**
 * What a radiologist can do to a study on their worklist, with the rules of who may do it when.
 * The wire value is what {@code reading_action.action} stores and Debezium carries to Kafka.
 *
 * <ul>
 *   <li>claim: an unread study, or one already claimed by the same radiologist (idempotent);
 *       a study claimed by someone else is a conflict;</li>
 *   <li>release: only the claimer; the study becomes unread again;</li>
 *   <li>complete: only the claimer, so two radiologists never both report one study; an unread
 *       study must be claimed first.</li>
 * </ul>
 */
enum ReadingAction {
    CLAIM, RELEASE, COMPLETE;

    /** The path segment naming this action ({@code claim}, {@code release}, {@code complete}). */
    String pathSegment() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The entry state after {@code radiologist} performs this action on a study in state
     * ({@code status}, {@code claimedBy}), or an {@link ApiException} (409) when the rules forbid it.
     * {@link Transition#recorded()} is false for a repeated claim, which changes nothing.
     */
    Transition apply(String radiologist, String status, String claimedBy) {
        Objects.requireNonNull(radiologist, "radiologist");
        if ("COMPLETED".equals(status)) {
            throw ApiException.conflict("already_completed", "The study has already been completed.");
        }
        boolean claimedByMe = "CLAIMED".equals(status) && radiologist.equals(claimedBy);
        boolean claimedByOther = "CLAIMED".equals(status) && !radiologist.equals(claimedBy);
        switch (this) {
            case CLAIM:
                if (claimedByOther) {
                    throw ApiException.conflict("already_claimed",
                            "The study is already claimed by " + claimedBy + ".");
                }
                return new Transition("CLAIMED", radiologist, !claimedByMe);
            case RELEASE:
                requireClaimedByMe(claimedByMe, claimedByOther, claimedBy, "released");
                return new Transition("UNREAD", null, true);
            case COMPLETE:
                requireClaimedByMe(claimedByMe, claimedByOther, claimedBy, "completed");
                return new Transition("COMPLETED", radiologist, true);
            default:
                throw new IllegalStateException("Unhandled action " + this);
        }
    }

    private static void requireClaimedByMe(boolean claimedByMe, boolean claimedByOther, String claimedBy,
                                           String verb) {
        if (claimedByOther) {
            throw ApiException.conflict("claimed_by_other",
                    "The study is claimed by " + claimedBy + "; only the claimer can have it " + verb + ".");
        }
        if (!claimedByMe) {
            throw ApiException.conflict("not_claimed", "The study must be claimed before it can be " + verb + ".");
        }
    }

    /** The entry's new status and claimer, and whether a reading_action row records the change. */
    record Transition(String status, String claimedBy, boolean recorded) {
    }
}
