package io.rtr.worklist.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReadingActionTest {

    private static final String ME = "rad-1";
    private static final String OTHER = "rad-2";

    @Test
    void claimingAnUnreadStudyClaimsItForMe() {
        assertThat(ReadingAction.CLAIM.apply(ME, "UNREAD", null))
                .isEqualTo(new ReadingAction.Transition("CLAIMED", ME, true));
    }

    @Test
    void claimingMyOwnClaimAgainChangesNothing() {
        assertThat(ReadingAction.CLAIM.apply(ME, "CLAIMED", ME))
                .isEqualTo(new ReadingAction.Transition("CLAIMED", ME, false));
    }

    @Test
    void claimingAStudyClaimedBySomeoneElseConflicts() {
        assertConflict(ReadingAction.CLAIM, "CLAIMED", OTHER, "already_claimed");
    }

    @Test
    void releasingMyClaimMakesItUnread() {
        assertThat(ReadingAction.RELEASE.apply(ME, "CLAIMED", ME))
                .isEqualTo(new ReadingAction.Transition("UNREAD", null, true));
    }

    @Test
    void onlyTheClaimerReleasesOrCompletes() {
        assertConflict(ReadingAction.RELEASE, "CLAIMED", OTHER, "claimed_by_other");
        assertConflict(ReadingAction.COMPLETE, "CLAIMED", OTHER, "claimed_by_other");
    }

    @Test
    void anUnreadStudyMustBeClaimedBeforeCompletionOrRelease() {
        assertConflict(ReadingAction.COMPLETE, "UNREAD", null, "not_claimed");
        assertConflict(ReadingAction.RELEASE, "UNREAD", null, "not_claimed");
    }

    @Test
    void completingMyClaimCompletesIt() {
        assertThat(ReadingAction.COMPLETE.apply(ME, "CLAIMED", ME))
                .isEqualTo(new ReadingAction.Transition("COMPLETED", ME, true));
    }

    @Test
    void nothingHappensToACompletedStudy() {
        for (ReadingAction action : ReadingAction.values()) {
            assertConflict(action, "COMPLETED", ME, "already_completed");
        }
    }

    @Test
    void pathSegmentsAreLowerCase() {
        assertThat(ReadingAction.CLAIM.pathSegment()).isEqualTo("claim");
        assertThat(ReadingAction.COMPLETE.pathSegment()).isEqualTo("complete");
    }

    private static void assertConflict(ReadingAction action, String status, String claimedBy, String code) {
        assertThatThrownBy(() -> action.apply(ME, status, claimedBy))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.code()).isEqualTo(code);
                });
    }
}
