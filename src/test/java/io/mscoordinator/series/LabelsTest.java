package io.mscoordinator.series;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  void shouldSortPairsByNameWhateverTheirOrder() {
    Labels labels = Labels.ofPairs("b", "2", "a", "1");
    assertThat(labels, is(Labels.of(List.of("a", "b"), List.of("1", "2"))));
    assertThat(labels.name(0), is("a"));
    assertThat(labels.get("b"), is("2"));
  }

  @Test
  void shouldRefuseTwoPairsWithTheSameName() {
    assertThat(Labels.ofPairs("a", "1", "b", "2", "a", "3"), is(nullValue()));
  }

  @Test
  void shouldWriteAnEscapedBlockWithoutBraces() {
    byte[] block = Labels.ofPairs("model", "a\"b\\c\nd", "instance", "é").block();
    assertThat(
        new String(block, StandardCharsets.UTF_8), is("instance=\"é\",model=\"a\\\"b\\\\c\\nd\""));
    assertThat(Labels.EMPTY.block().length, is(0));
  }

  @Test
  void shouldPrintEscapedValuesInBraces() {
    assertThat(Labels.ofPairs("a", "x\"y").toString(), is("{a=\"x\\\"y\"}"));
    assertThat(Labels.EMPTY.toString(), is("{}"));
  }

  @Test
  void shouldReplaceAValueWithWith() {
    Labels labels = Labels.ofPairs("a", "1").with("le", "+Inf").with("a", "2");
    assertThat(labels, is(Labels.ofPairs("a", "2", "le", "+Inf")));
  }
}
