/**
 * The Lucene layer of AudioPQ: a {@link org.apache.lucene.codecs.KnnVectorsFormat} that stores
 * product-quantisation codes ({@link io.audiopq.lucene.PqVectorsFormat}, SPI name
 * {@code AudioPqVectors1}) and plain-Lucene queries over it.
 *
 * <ul>
 *   <li>Writing: {@link io.audiopq.lucene.PqVectorsFormat} with a {@link io.audiopq.lucene.PqFormatConfig}
 *       (codebooks from a {@link io.audiopq.lucene.CodebookProvider} or trained per segment, raw
 *       vectors kept or not, default rescoring).</li>
 *   <li>Reading and searching: {@link io.audiopq.lucene.PqVectorsReader} (ADC scan with
 *       the 8-bit kernel, the 4-bit fast scan with exact re-ranking, or nprobe IVF lists; exact
 *       rescoring, {@code searchWithTable} for one ADC table per query, {@code scorer} for scoring
 *       any document, {@code forField} to find it from a leaf).</li>
 *   <li>Queries: {@link io.audiopq.lucene.PqKnnQuery} (top-k, like {@code KnnFloatVectorQuery}) and
 *       {@link io.audiopq.lucene.PqScoringQuery} (scores every document with a vector, to blend
 *       with text clauses).</li>
 *   <li>Scores: {@link io.audiopq.lucene.PqSimilarity} maps Lucene's similarities onto ADC tables
 *       and Lucene's score scales.</li>
 * </ul>
 *
 * Depends only on Lucene and {@code io.audiopq.quantization}.
 */
package io.audiopq.lucene;
