"""Reading a corpus of unlabeled documents, one at a time, as tokenized sentences.

Formats:
- `text`: one document per line (plain UTF-8, optionally `.gz`); an empty line is
  an empty document;
- `jsonl`: one JSON object per line, the document under `text_column`: a string,
  or a list of strings (its sentences); blank lines are not documents;
- `tsv`: a header row naming the columns, then one document per row, the text in
  `text_column` (no quoting); blank lines are not documents.

A document is a list of sentences. Text is split into sentences by
`sentence_pattern` (a Python regular expression; default: after `.`, `!` or `?`
followed by white space, and at tabs and line breaks); the sentences are then
tokenised (or turned into ids) by a `TextPreprocessor`, many documents per
TensorFlow call, and sentences without tokens are dropped.
"""

import dataclasses
import re
from typing import List, Optional

from keras_o2v.data.json_lines import iter_lines
from keras_o2v.preprocessing.batches import batched
from keras_o2v.preprocessing.raw_records import format_from_name, read_raw_records

DOCUMENT_FORMATS = ("text", "jsonl", "tsv")
DEFAULT_SENTENCE_PATTERN = r"(?<=[.!?])\s+|\s*[\t\r\n]\s*"
_EXTENSIONS = {".txt": "text", ".text": "text", ".jsonl": "jsonl", ".json": "jsonl",
               ".ndjson": "jsonl", ".jsonlines": "jsonl", ".tsv": "tsv", ".tab": "tsv"}


@dataclasses.dataclass
class Document:
    """One document of a corpus.

    Attributes:
        number: 0-based position among the documents of the corpus.
        line: 1-based line of the file it came from.
        sentences: its sentences with tokens, each a list of tokens (or of ids, from
            `documents_with_ids`); empty: an empty document.
        problem: why the line is not a valid document, or None.
        texts: the text of each sentence, before tokenisation.
    """

    number: int
    line: int
    sentences: List[list]
    problem: Optional[str] = None
    texts: List[str] = dataclasses.field(default_factory=list)


def detect_document_format(path, first_line=None):
    """`text`, `jsonl` or `tsv` from the extension (a trailing `.gz` ignored), else
    `jsonl` when the first line starts with `{`, else `text`."""
    return format_from_name(path, first_line, _EXTENSIONS, default="text")


def iter_documents(path, input_format, tokenizer=None, text_column="text",
                   sentence_pattern=DEFAULT_SENTENCE_PATTERN):
    """Yields the `Document`s of a corpus file, streaming.

    Args:
        path: the corpus file.
        input_format: one of `DOCUMENT_FORMATS`.
        tokenizer: a `TextPreprocessor` (or `Tokenizer`) that fills `sentences` with
            tokens; None leaves them empty (only `texts`).
        text_column: the JSON key or TSV column of the text.
        sentence_pattern: regular expression that separates sentences.
    """
    documents = _read_documents(path, input_format, text_column, sentence_pattern)
    if tokenizer is None:
        yield from documents
        return
    from keras_o2v.preprocessing.tokenizer import as_text_preprocessor

    yield from _filled(documents, as_text_preprocessor(tokenizer).token_lists)


def documents_with_ids(documents, preprocessor):
    """The documents with `sentences` set to the token ids of each sentence with tokens."""
    return _filled(documents, lambda texts: preprocessor.id_lists(texts, batch_size=len(texts) or 1))


def _filled(documents, convert, size=256):
    """Sets `sentences` of documents from `convert(list of texts) -> list of lists`,
    one call per `size` documents."""
    for batch in batched(documents, size):
        texts = [text for document in batch for text in document.texts]
        converted = iter(convert(texts) if texts else [])
        for document in batch:
            rows = [next(converted) for _ in document.texts]
            document.sentences = [row for row in rows if row]
            yield document


def _read_documents(path, input_format, text_column, sentence_pattern):
    if input_format not in DOCUMENT_FORMATS:
        raise ValueError(f"input_format must be one of {DOCUMENT_FORMATS}, got {input_format!r}")
    splitter = re.compile(sentence_pattern)

    def pieces_of(texts):
        return [piece for text in texts for piece in splitter.split(text) if piece]

    if input_format == "text":
        for number, (line, text, problem) in enumerate(iter_lines(path)):
            texts = [] if problem is not None else pieces_of([text])
            yield Document(number, line, [], problem, texts)
        return
    for number, record in enumerate(read_raw_records(iter_lines(path), input_format)):
        if record.problem is not None:
            yield Document(number, record.line, [], record.problem)
            continue
        if text_column not in record.fields:
            yield Document(number, record.line, [], f"missing column {text_column!r}")
            continue
        value = record.fields[text_column]
        if isinstance(value, str):
            texts = [value]
        elif record.typed and isinstance(value, list) and all(isinstance(v, str) for v in value):
            texts = value
        else:
            kind = type(value).__name__
            yield Document(number, record.line, [],
                           f"{text_column!r} must be a string or a list of strings, got {kind}")
            continue
        yield Document(number, record.line, [], None, pieces_of(texts))
