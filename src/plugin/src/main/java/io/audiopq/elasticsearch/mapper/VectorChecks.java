package io.audiopq.elasticsearch.mapper;

import io.audiopq.model.Similarity;

/** The checks an indexed or query vector of a {@code pq_vector} field must pass, with errors that name the field. */
final class VectorChecks {

    /** Elasticsearch's tolerance for "unit length" on {@code dot_product} fields (|‖v‖² − 1| below it). */
    static final float UNIT_TOLERANCE = 1e-3f;

    private VectorChecks() {}

    static void check(String field, String what, float[] vector, int dims, Similarity similarity) {
        if (vector.length != dims) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [pq_vector] expects vectors of [" + dims + "] dimensions, the " + what + " has ["
                    + vector.length + "]"
            );
        }
        double squaredNorm = 0;
        for (int i = 0; i < vector.length; i++) {
            if (Float.isFinite(vector[i]) == false) {
                throw new IllegalArgumentException(
                    "field [" + field + "] of type [pq_vector]: the " + what + " has a non-finite value [" + vector[i] + "] at index [" + i
                        + "]; values must be finite numbers"
                );
            }
            squaredNorm += (double) vector[i] * vector[i];
        }
        if (similarity == Similarity.COSINE && squaredNorm == 0) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [pq_vector] with similarity [cosine]: the " + what + " is a zero vector, which has no direction"
            );
        }
        if (similarity == Similarity.DOT_PRODUCT && Math.abs(squaredNorm - 1) >= UNIT_TOLERANCE) {
            throw new IllegalArgumentException(
                "field [" + field + "] of type [pq_vector] with similarity [dot_product]: the " + what + " must have unit length "
                    + "(like Elasticsearch's dot_product), its length is [" + (float) Math.sqrt(squaredNorm) + "]; normalise it or use [cosine]"
            );
        }
    }
}
