package io.rtr.triage;

import io.rtr.schemas.InstanceReceived;
import java.util.Optional;

/** One configured filtering rule: accepts an instance or says why not. */
interface Rule {

    /** Id of the rule as written in the rules file. */
    String id();

    /** Empty when the instance passes, else why it is rejected. */
    Optional<Rejection> check(InstanceReceived instance);
}
