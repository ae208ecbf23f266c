package io.rtr.inference.pipeline;

import io.rtr.inference.model.SavedModelScorer;
import io.rtr.schemas.InstanceReceived;
import io.rtr.schemas.InstanceScore;
import io.rtr.schemas.StudyAssembled;
import io.rtr.schemas.StudyScored;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds the StudyScored event of a scored study, stamped with the exact model that scored it. */
public final class StudyScoredFactory {

    private final String modelName;
    private final String modelVersion;
    private final String modelSha256;
    private final double threshold;
    private final String device;

    public StudyScoredFactory(SavedModelScorer scorer) {
        this(scorer.descriptor().modelName(), scorer.descriptor().modelVersion(), scorer.digest(),
                scorer.descriptor().threshold(), scorer.device());
    }

    public StudyScoredFactory(String modelName, String modelVersion, String modelSha256, double threshold,
                              String device) {
        this.modelName = modelName;
        this.modelVersion = modelVersion;
        this.modelSha256 = modelSha256;
        this.threshold = threshold;
        this.device = device;
    }

    /** The event for a scored outcome ({@link ScoringPipeline.StudyOutcome#scored()} must be true). */
    public StudyScored build(ScoringPipeline.StudyOutcome outcome, Instant scoredAt) {
        if (!outcome.scored()) {
            throw new IllegalArgumentException("study " + outcome.study().getStudyInstanceUid() + " was not scored");
        }
        StudyAssembled study = outcome.study();
        List<InstanceReceived> instances = study.getInstances();
        float[] scores = outcome.imageScores();
        List<InstanceScore> instanceScores = new ArrayList<>(instances.size());
        Instant lastReceived = null;
        for (int i = 0; i < instances.size(); i++) {
            InstanceReceived instance = instances.get(i);
            instanceScores.add(InstanceScore.newBuilder()
                    .setSopInstanceUid(instance.getSopInstanceUid())
                    .setViewPosition(instance.getViewPosition())
                    .setImageLaterality(instance.getImageLaterality())
                    .setScore(Math.min(1.0, Math.max(0.0, scores[i])))
                    .build());
            if (instance.getReceivedAt() != null
                    && (lastReceived == null || instance.getReceivedAt().isAfter(lastReceived))) {
                lastReceived = instance.getReceivedAt();
            }
        }
        double studyScore = StudyScoreAggregation.studyScore(scores);
        return StudyScored.newBuilder()
                .setStudyInstanceUid(study.getStudyInstanceUid())
                .setStudyRevision(study.getRevision())
                .setModelName(modelName)
                .setModelVersion(modelVersion)
                .setModelSha256(modelSha256)
                .setInstanceScores(instanceScores)
                .setStudyScore(studyScore)
                .setThreshold(threshold)
                .setSuspicious(StudyScoreAggregation.suspicious(studyScore, threshold))
                .setDevice(device)
                .setInferenceLatencyMillis(Math.max(0, outcome.latencyNanos() / 1_000_000))
                .setEndToEndLatencyMillis(lastReceived == null ? null
                        : Math.max(0, scoredAt.toEpochMilli() - lastReceived.toEpochMilli()))
                .setScoredAt(scoredAt)
                .setAccessionNumber(study.getAccessionNumber())
                .build();
    }
}
