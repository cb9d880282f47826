"""Keyword and pattern rules for intent, session kind, reason and tense.

Every pattern runs on text from `text.normalize` (lowercase, no accents, texting spellings
expanded), so it only has to spell each word one way. Lists are ordered: earlier entries win.
"""

import re

from bot.kinds import Reason, SessionKind
from bot.understanding.text import any_of as _rx

# "took all my meds this morning": taking them as prescribed is the opposite of a crisis.
_AS_PRESCRIBED = (
    r" (?:this morning|today|tonight|on time|like (?:i'm|i am|i was|you) (?:supposed|told)|"
    r"as (?:prescribed|directed)|for (?:the|today))"
)
# --- crisis ------------------------------------------------------------------------------------
# Always first-person and explicit: a false alarm is cheap, a missed one is not.
CRISIS_FIRST_PERSON = _rx(
    r"\bkill(?:ing)? my ?self\b",
    r"\b(?:end|ending|take|taking) (?:it all|my (?:own )?life|my life|things for good)\b",
    r"\bend it\b(?! (?:early|there|here|now|at))",
    r"\b(?:want|wanna|wish|going|ready|trying|plan(?:ning)?|gonna) to die\b",
    r"\bwant(?:ed)? to be dead\b|\bwish i (?:was|were) dead\b|\bbetter off dead\b",
    r"\b(?:don't|do not|dont) want to (?:live|be alive|be here anymore|exist|wake up)\b",
    r"\b(?:no|any) (?:reason|point) (?:to|in|of) (?:live|living|going on|being here)\b",
    r"\b(?:don't|dont) see the point (?:anymore|of (?:anything|living|life)|in anything)\b",
    r"\bbetter off without me\b|\bnobody would (?:care|miss me|notice)\b",
    r"\bhurt(?:ing)? my ?self\b|\bharm(?:ing)? my ?self\b|\bself[- ]?harm\w*\b",
    r"\bcut(?:ting)? (?:my ?self|again)\b|\bbeen cutting\b|\bstarted cutting\b",
    r"\b(?:hang|hanging|shoot|shooting|drown) my ?self\b|\bjump (?:off|in front)\b",
    r"\bcan't (?:go on|keep going|do this anymore|take (?:it|this) anymore)\b",
    r"\b(?:gave|give|giving) up on (?:life|everything|living)\b",
    r"\b(?:took|taken|take|swallowed) (?:too many|all (?:my|the|of my)|a (?:bunch|handful) of) "
    r"(?:pills|meds|medication)\b(?!" + _AS_PRESCRIBED + ")",
    r"\b(?:have|got|holding) (?:the|a) (?:pills|gun|rope|plan)\b.*\b(?:die|end|myself|it)\b",
    r"\bnot safe (?:with|around) my ?self\b|\bi'm not safe\b|\bdon't feel safe\b",
    r"\b(?:used|drank|using|drinking|got high|smoked|shot up|slipped|slipped up) again\b",
    r"\b(?:i|i've|i have|just) (?:relapsed|slipped|used|drank)\b.*\b(?:scared|afraid|help|"
    r"ashamed|again)\b",
    # "going to use the zoom link" is not a craving: only read it at the end of a clause.
    r"\b(?:about|going|want|wanna|need|urge|might|could|gonna|afraid i'll|scared i'll) to "
    r"(?:use|drink|get high|relapse)\b(?=\s*(?:again|so bad|really bad|tonight|right now|today)"
    r"\b|\s*[.!,]|\s*$)",
    r"\b(?:going to|about to|might|gonna|will|i'll) relapse\b|\bcraving (?:so|really) bad\b",
    r"\bdark thoughts\b|\bthoughts (?:of|about) (?:dying|death|ending it|suicide)\b",
    r"\bsuicid\w*\b(?! (?:prevention|awareness|training|walk|class|seminar|workshop))",
    r"\b(?:overdos\w*|od(?:'d|ed|d)?)\b(?! (?:awareness|prevention|training|class|vigil|event))",
    r"\brelaps(?:ed|ing)\b|\bhad a relapse\b|\bi relapse\b",
    r"\bvoices (?:telling|tell) me\b",
    r"\bhad a slip\b|\bslipped up\b|\blost my (?:sobriety|clean time)\b|\bbroke my sobriety\b",
    r"\b(?:drank|used|drinking|using) (?:again )?after \d+ (?:days|weeks|months|years)\b",
    r"\b(?:sleep|go to sleep) (?:forever|and never wake up)\b|\bnever wake up\b",
    r"\b(?:so |just |i'm )?done with (?:life|living|everything)\b(?! (?:at|for|on|in|today))",
    r"\b(?:have|got) (?:the|my|all (?:the|my)) pills (?:ready|in front of me|saved|lined up|"
    r"right here|counted)\b(?! for)",
    r"\b(?:won't|not going to|will not|don't think i'll|doubt i'll) be (?:around|"
    r"here) (?:much )?(?:longer|anymore|for long)\b",
    r"\bgoodbye (?:everyone|forever|all|for good|cruel)\b|\bthis is (?:my )?goodbye\b",
    r"\b(?:i|i've|i just|just) (?:got|was|been|am|i'm) (?:high|drunk|wasted|loaded)\b",
    r"\b(?:drank|downed|finished|chugged) (?:a|the|half a) (?:whole |entire )?(?:bottle|fifth|"
    r"case|handle|six[- ]pack|12[- ]pack)\b",
    r"\b(?:i|i've|just|i just) (?:used|smoked|shot up|snorted|did|took|bought) (?:some )?(?:meth|"
    r"heroin|fentanyl|fent|coke|cocaine|crack|oxy|dope|drugs|xanax|xans|percs|pills again)\b",
    # Spanish
    r"\bno quiero (?:vivir|seguir viviendo|estar aqui|despertar|existir)\b",
    r"\b(?:me )?quiero morir(?:me)?\b|\bquisiera (?:morirme|estar muerto|estar muerta)\b",
    r"\bquitarme la vida\b|\bmatarme\b|\bme voy a matar\b|\bsuicidarme\b",
    r"\b(?:hacerme|me hice|me hago|hacerme) dano\b|\blastimarme\b|\bme lastime\b",
    r"\bcortarme\b|\bme corte (?:otra vez|de nuevo|los brazos|las munecas)\b|"
    r"\bme estoy cortando\b",
    r"\bsobredosis\b|\brecai\w*\b|\brecaer\b",
    r"\bvolvi a (?:consumir|tomar|beber|usar|drogarme)\b",
    r"\bno aguanto mas\b|\bacabar con todo\b|\bquiero desaparecer\b|\bno vale la pena vivir\b",
    r"\bmejor (?:muerto|muerta)\b|\bestarian mejor sin mi\b",
    # Indirect wording: a wish to be gone, no point left, a method being prepared.
    r"\b(?:ending|end) (?:things|everything)\b(?! (?:with|between))",
    r"\b(?:better|happier|easier) (?:off )?(?:if i (?:wasn't|weren't|was not|were not) "
    r"(?:around|here|alive)|if i (?:was|were) gone|if i died|without me)\b",
    r"\bwish i (?:wasn't|weren't|was not|were not) (?:around|here|alive|born)\b",
    r"\b(?:want|wanna|wish i could|going) to (?:disappear|vanish|not exist|stop existing)\b",
    r"\b(?:take|taking|swallow|swallowing|took|overdo|overdoing) (?:all|every one) (?:of )?"
    r"(?:my|the|these|those) (?:pills|meds|medication|medicine|tablets)\b(?!"
    + _AS_PRESCRIBED
    + ")",
    r"\b(?:saving|saved|stockpil\w*|hoard\w*|collecting) (?:up )?(?:my |the |some )?(?:pills|meds|"
    r"medication|medicine|tablets)\b",
    r"\b(?:sleep|go to sleep|fall asleep) and (?:not|never) wake up\b|\bnot wake up again\b",
    r"\b(?:don't|dont) see the point\b(?=\s*(?:[.!]|$|anymore|in (?:anything|living|life)))",
    r"\b(?:tired|sick) of (?:living|being alive|life)\b|\bkms\b|\bunalive\b",
    r"\b(?:i|i'm|i've) (?:have|got|made|making) a plan\b(?=\s*(?:[.!]|$|to (?:die|end|go)))",
    r"\bnothing (?:matters|is worth it) anymore\b",
    r"\bno (?:le )?veo (?:el |ningun )?sentido (?:a|de|en) (?:nada|la vida|vivir|seguir)\b",
    r"\b(?:ya no vale la pena|no vale la pena) (?:nada|vivir|seguir)\b|\bnada vale la pena\b|"
    r"\bno vale la pena nada\b",
    r"\b(?:ganas de|quisiera|ojala (?:pudiera )?) (?:morir\w*|desaparecer)\b|"
    r"\bya no puedo mas\b(?! (?:tarde|temprano))",
    # Others "fine without me", a burden, no way out, how much longer.
    r"\b(?:would|'d|will|'ll|world|everyone|everybody|they)\b[^.!?]{0,20}\b(?:better|fine|"
    r"happier|ok|okay|easier|good)(?: off)? without me\b(?! (?:tonight|today|tomorrow|for|this|"
    r"at|in|there))",
    r"\bi'm (?:just )?a burden\b|\bno way out\b|\bnot worth living\b|\blife (?:isn't|is not) "
    r"worth\b|\bwish i (?:was|were|had) never (?:been )?born\b|\bwant (?:it all|everything|"
    r"the pain) to (?:end|stop)\b|\bcan't live like this\b",
    r"\bhow (?:much )?longer i can (?:do this|keep (?:going|doing this)|take (?:it|this)|"
    r"hold on|go on)\b|\bcan't hold on\b",
    r"\b(?:don't|dont) want to be here\b(?=\s*(?:[.!]|$|anymore|at all))",
    # Pills, a weapon: taken in a quantity, or at hand.
    r"\b(?:took|taken|take|taking|swallowed|swallow|swallowing) (?:too many|all|a (?:bunch|"
    r"handful|"
    r"lot|whole bottle)|way too many|\d{2,})\b[^.!?]{0,25}\b(?:pills|meds|medication|"
    r"medicine|tablets|xanax|tylenol|ambien|sleeping pills)\b(?!" + _AS_PRESCRIBED + ")",
    r"\b(?:pills|gun|knife|razor|blade|rope) (?:in my hand|in front of me|ready|right here|"
    r"next to me|on the (?:table|counter|bed))\b(?! for)|\bholding (?:a |the |my )?(?:pills|"
    r"knife|razor|"
    r"blade|gun)\b",
    r"\b(?:drinking|drank|using)\b[^.!?]{0,30}\band (?:i )?can't stop\b|\bcan't stop (?:drinking|"
    r"using)\b",
    # Spanish: again, no more, a burden, pills.
    r"\b(?:me he vuelto a|volvi a|me volvi a|he vuelto a) (?:cortar|lastimar|hacer\w* dano|"
    r"consumir|beber|tomar|drogar)\w*\b",
    r"\bya no quiero seguir\b(?! (?:en|con|yendo|viniendo|asistiendo|el|la|los|las))|"
    r"\bno quiero seguir (?:asi|adelante)\b",
    r"\bme (?:quiero|voy a) matar\b|\bno (?:quiero )?despertar(?:me)? (?:nunca|mas)\b|"
    r"\bdormir y no despertar\b|\bno tiene sentido (?:vivir|nada|seguir)\b|"
    r"\bharto de vivir\b|\bharta de vivir\b|\bsoy una carga\b|\bno (?:hay|tengo) salida\b",
    r"\b(?:me tome|tome|me trague|trague) (?:todas|muchas|un monton de|un punado de) (?:las |"
    r"mis )?"
    r"(?:pastillas|pildoras|medicinas)\b",
)
# "the bus didn't come", "my ride didn't show": someone else failed, not the patient.
OTHER_SUBJECT_BEFORE = re.compile(
    r"\b(?:bus|train|ride|uber|lyft|driver|sitter|babysitter|nanny|he|she|they|it|someone|"
    r"nobody|alarm|(?:my|the|his|her|our) (?!own\b)\w+)\s*$"
)

# --- intents -----------------------------------------------------------------------------------
RESCHEDULE = _rx(
    r"\b(?:move|push|bump|shift|switch) (?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)(?:'s)?\b",
    r"\breschedul\w*|\bre-schedul\w*",
    r"\b(?:move|moving|switch|swap|(?<!clocks )(?<!clock )(?<!time )change|push|bump|shift) "
    r"(?:my|the|our|it|this|that|to|"
    r"tomorrow|tonight|today|session|group|individual|family)\b",
    r"\b(?:different|another|other|later|earlier) (?:time|day|slot|session|date)\b",
    r"\bswap\w*\b|\bswitch(?:ing)?\b(?! (?:off|on|phones))",
    r"\b(?:move|push|bump|shift)\b[^.?!]{0,40}\b(?:to|till|until|back|up|earlier|later|"
    r"forward)\b",
    r"\b(?:can|could) (?:i|we) (?:do|come|switch|join|go|attend) [^.?!]{0,25}\binstead\b",
    r"\binstead of\b|\bin place of\b",
    r"(?<!got )(?<!was )(?<!been )\b(?:moved|pushed|bumped|shifted|switched|changed) "
    r"(?:to|back|up)\b",
    r"\b(?:make[- ]?up|makeup) (?:session|class|group)\b",
    r"\bcambiar\b|\breprogramar\b|\breagendar\b|\bmover (?:mi|la|el)\b|\bposponer\b",
    r"\b(?:otro|otra) (?:dia|hora|horario|fecha)\b|\ben vez de\b|\ben lugar de\b",
    r"\bpasar (?:mi|la|el) (?:cita|sesion|grupo)\b",
)
MISSED = _rx(
    r"\bno alcance a (?:llegar|ir|conectarme|entrar)\b",
    r"\bmissed\b(?! (?:(?:two|three|four|\d+|a few|several|some) (?:already|sessions|times|"
    r"groups)|the (?:start|beginning|first)|a few minutes|(?:my|the) (?:bus|train|"
    r"ride|flight|connection|call|text|message)))",
    r"\b(?:didn't|couldn't|wasn't able to|never) (?:make it|come|show|attend|go|log ?(?:in|on)|"
    r"join|get on|call in|get there|make)\b",
    r"\bwasn't (?:there|at|in|on)\b|\bno[- ]showed\b|\bwas a no[- ]show\b",
    r"\bforgot (?:about|to (?:come|join|log|attend|go))\b|\bforgot (?:group|it|(?:my|the|about) "
    r"(?:session|group|appointment|individual|meeting|class|psychoed))\b",
    r"\b(?:slept through|overslept|fell asleep|passed out)\b",
    r"\bsorry (?:about|for) (?:missing|yesterday|last night|not (?:coming|being|making|showing))",
    r"\b(?:sorry|apologi[sz]e|apologies|excuse) (?:for )?(?:not|my) (?:attending|joining|"
    r"absence|being there|showing up)\b",
    r"\b(?:went|stayed|was|did)\b[^.!?]{0,40}\binstead of (?:going to |coming to )?(?:the )?"
    r"(?:group|session|class)\b",
    r"\b(?:yesterday|last night|ayer)\b[^.!?]{0,20}\bi (?:not|no|don't) (?:go|come|attend)\b",
    r"\bfalte\b|\bno (?:pude|fui|asisti|llegue|me conecte|me presente)\b",
    r"\bse me olvido\b|\bme quede dormid[oa]\b|\bme (?:perdi|perdi)\b|\bperdi (?:la|el|mi)\b",
    r"\bme dormi\b|\bolvide (?:la|el|mi|que)\b|\bno me pude (?:conectar|unir|presentar)\b",
    r"\b(?:perdon|disculpa|disculpe|lo siento|siento|sorry) (?:por )?(?:faltar|no (?:ir|llegar|"
    r"asistir|conectarme|venir))\b",
    r"\btried to (?:log|join|get|call|connect)\b|\bwouldn't let me (?:in|join|log)\b",
    r"\bsorry (?:about|for) (?:today|tonight|earlier)\b",
    r"\bskipped\b(?! (?:breakfast|lunch|dinner|a meal|meals|my meds|a dose|a beat|town))",
    r"\b(?:spaced|blanked|zoned)(?: out)? (?:on|about)\b|\b(?:totally |completely )?forgot "
    r"(?:that |it was |we had |there was )?(?:tonight|today|yesterday|last night|this morning|"
    r"(?:it|group|session|class) (?:was|is))\b",
    # Asking what was missed admits the miss; asking for a recording does not.
    r"\bwhat did i miss\b|\bdid i miss anything\b",
    r"\bno (?:vine|entre|estuve|me uni)\b|\bse me paso\b|\bse me olvido\b",
    r"\b(?:ghosted|flaked on|bailed on)\b",
    # "sorry about monday", "perdon por lo del jueves": an apology for a past session.
    r"\b(?:sorry|perdon|perdona|perdoname|disculpa|disculpe) (?:about|for|por|lo (?:de|del)) "
    r"(?:lo (?:de|del) |el )?(?:last )?(?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|lunes|martes|"
    r"miercoles|jueves|viernes|sabado|domingo|yesterday|last night|ayer|anoche)\b",
)
LATE = _rx(
    r"\b(?:\d+|a few|a couple of) minutes (?:out|away)\b",
    r"\b(?:may|might|will|could|i'll|going to) (?:arrive|get there|be there|log on) (?:a few|"
    r"\d+|a couple of|some) minutes (?:after|late|behind)\b|\b(?:join|be there|log on|get on)"
    r" as soon as\b",
    r"\brunning (?:late|behind|a bit behind|a little behind|\d+(?: minutes)? (?:late|behind))\b",
    r"\b(?:me (?:re)?conecto|llego|entro|estoy ahi|me uno) en (?:\d+|unos|cinco|diez|quince)"
    r"(?: (?:minutos|min))?\b",
    r"\b(?:la |mi |perdon (?:por )?la )(?:demora|tardanza)\b",
    r"\b(?:\d+|a few|a couple(?: of)?|\d+-\d+) (?:minutes|hours?) (?:late|behind)\b",
    r"\b(?:be|i'm|am|gonna be|going to be|will be|i'll be) (?:a (?:bit|little|tad) )?late\b",
    r"\b(?:won't|can't|not going to|might not|may not|wont) (?:make it|be there|get there|be|"
    r"log on|join) on time\b",
    r"\b(?:be|join|log on|logging on|hop on|get on|be there|joining|there|on) in (?:\d+|a few|"
    r"a couple|5|10|15)(?: minutes)?\b",
    r"\bmissed the (?:start|beginning|first)\b|\bbehind schedule\b",
    r"\b(?:llego|llegar|llegare|llegaremos|voy|vamos|estoy|llegando|conectarme|conecto)\b"
    r"[^.,!?]{0,25}(?<!la )(?<!esta )\btarde\b",
    r"\bse me (?:hizo|hace|esta haciendo|fue) tarde\b|\bme (?:tarde|retrase|demore|estoy "
    r"tardando|voy a demorar)\b|\bllegue tarde\b|\bdame (?:\d+|unos|cinco|diez) minutos\b",
    r"\b(?:give me|gimme|need) (?:\d+|a few|five|ten)(?: more)? minutes\b",
    r"\b(?:join|joining|log on|logging on|log in|hop on|get on|be on|back|be there)\b"
    r"[^.,!?]{0,25}\bin (?:\d+|a few|a couple|five|ten|fifteen)(?: minutes)?\b",
    r"\bretras\w*\b|\ben retraso\b|\bno (?:voy a (?:poder )?|podre |puedo )?llegar a tiempo\b|"
    r"\bno llego a tiempo\b|\bme (?:voy a )?tardar\b",
)
# Weaker signs of lateness, checked only after clear absences ("can't come, ... late").
LATE_WEAK = _rx(
    r"\blate\b(?! (?:notice|reply|response|message|text|night|cancel\w*|fee))",
    r"\b(?:stuck|sitting) (?:in|on|at)\b|\bin traffic\b|\btraffic is\b",
)
NOT_LATE = re.compile(r"\b(?:won't|not|never|wont) be late\b|\bno voy a llegar tarde\b")
# "can't make it on time": the absence words are an idiom for being late.
NOT_ABSENT_JUST_LATE = re.compile(
    r"\b(?:can't|cannot|won't|not gonna|not going to) make it on time\b"
    r"|\bno (?:voy a |creo que )?(?:llegar|llego) a tiempo\b"
)
# "not missing friday", "won't miss it": the absence words are negated.
NEGATED_ABSENCE = re.compile(
    r"\b(?:not|never|won't|wouldn't|ain't) (?:miss(?:ing)?|going to miss|skip(?:ping)?|"
    r"cancel(?:l?ing)?)\b|\bno (?:voy a faltar|faltare|pienso faltar)\b"
)
UPCOMING = _rx(
    r"\b(?:idk|not sure|don't know|unsure) (?:if|whether) i (?:can|could|will|'ll) (?:make|"
    r"come|be there|attend|join)\b",
    r"\bcan't (?:make|come|attend|go|do|join|be|log|get|show|call|stay|participate|sit|"
    r"handle|tonight|today|tomorrow)\b",
    r"\b(?:won't|wont) (?:be (?:able|there|at|in|on|coming|joining|attending|making)|make|come|"
    r"attend|join|log|show|get)\b",
    r"\b(?:not|isn't|aren't) (?:going to|able to) (?:make|come|be|attend|join|go|log)\b",
    r"\b(?:not|won't be) (?:coming|joining|attending|making it|there)\b",
    r"\bunable to\b|\bnot able to\b|\b(?:doesn't|won't|does not) work for me\b",
    r"\b(?:have|need|got|going|has) to (?:miss|skip|cancel|sit (?:this|it) out|bail)\b",
    r"\b(?:i'll|will|i'm going to|going to) (?:miss|be missing|be absent|skip|be out)\b",
    r"\b(?:might|may|probably|prob) (?:have to |need to )?(?:miss|skip|not make it|not come)\b",
    r"\bno[- ]show (?:tonight|today|tomorrow|for me)\b|\bcan i (?:miss|skip)\b",
    r"\b(?:puedo|podria|voy a tener que|tendre que) faltar\b",
    r"\b(?:i|i'll|i need to|have to|got to|want to|going to|please|can i|could i|i'd like to|"
    r"i'm|need to) cancel\w*\b",
    r"\b(?:staying|stay) home\b|\bsitting (?:this|it|tonight) out\b|\btaking the night off\b",
    r"\bcount me out\b|\bi'm out (?:tonight|today|tomorrow|this)\b|\bwon't be on\b",
    r"\bno (?:voy a (?:poder|ir|estar|asistir|conectarme|llegar)|puedo (?:ir|asistir|llegar|"
    r"conectarme|estar|hoy|manana)|podre|podria|creo que pueda|voy\b|asistire|estare|llegare|"
    r"llego\b)",
    r"\b(?:voy a|tengo que|necesito) (?:faltar|cancelar|perderme)\b|\bfaltare\b|\bvoy a faltar\b",
    r"\bno me (?:voy a poder|puedo) conectar\b|\bno puedo\b",
    r"\b(?:thinking (?:about|of)|considering) (?:skipping|missing|not coming|not going|sitting "
    r"(?:it|this) out|bailing)\b",
    r"\b(?:probably|prob|likely|going to be|i'll be|will be|i'm) out\b(?= (?:tonight|today|"
    r"tomorrow|this|next|on|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)",
    r"\b(?:i|we) can't\b(?=\s*(?:[,.!]|$|sorry|because|tonight|today|tomorrow|this|next|on\b))",
)
# Absence words that are easily outweighed ("i'd rather die than miss group, see you tonight").
UPCOMING_WEAK = _rx(
    r"\b(?:miss(?:ing)?|skip(?:ping)?|bail(?:ing)?|sit(?:ting)? out) "
    r"(?:group|tonight|today|tomorrow|my|the|this|it|session|class|individual|family|on)\b",
    r"\bno (?:group|session|individual|therapy|psychoed|class)\b(?: for me)?",
)
CONFIRM = _rx(
    r"\b(?:i'll|will|we'll|i|we) (?:both |all |also |definitely )?be (?:there|present)\b"
    r"(?! (?:late|in \d))",
    r"\bso (?:that )?i can (?:make|come|attend|be there|join)\b|\bi'll bring (?:it|them|"
    r"my|the)\b[^.!?]{0,20}\b(?:tonight|tomorrow|to (?:group|session|class))\b",
    r"\b(?:i'll|will|i'm going to|going to|gonna|i can|i should) be there\b",
    r"\b(?:i'll|will|i can|i should|going to) (?:make it|attend|join|come|log on|be on)\b",
    r"\b(?:see you|see ya|see y'all|see everyone)\b|\bcan't wait (?:for|to see|to join)\b",
    r"\b(?:i'll|will|i'm going to|going to|gonna) be (?:at|in|on) (?:group|the|my|family|"
    r"individual|session|tonight|tomorrow|psychoed|support|\w+day)\b",
    r"\b(?:definitely|def|totally|for sure|100%) (?:coming|there|joining|attending|be there)\b|"
    r"\bi'll be on\b",
    r"\bcount me in\b|\bi'm (?:coming|joining|there)\b(?! down)|\bon my way\b|"
    r"\blogging (?:on|in)\b|\b(?:joining|hopping on|getting on|logging on) (?:now|shortly|in a "
    r"(?:sec|second|minute|min))\b|\bi'm in\b(?=\s*[!.,]|\s*$|\s*(?:for|tonight|today))",
    r"\b(?:yes|yep|yeah|yup|sure|ok|okay|of course|absolutely|definitely)\b.{0,20}"
    r"\b(?:there|coming|attend|join|make it)\b",
    r"\bconfirm\w*\b|\bplanning (?:to|on) (?:come|coming|attend|attending|be|being|join)\b",
    r"\b(?:won't|wouldn't|never|not going to) miss\b|\bnot missing\b|\bwouldn't miss\b",
    r"\b(?:ahi|alli|alla|aqui) (?:estare|voy|nos vemos)\b|\bsi (?:voy|asistire|ahi estare)\b",
    r"\bnos vemos\b|\bcuenten conmigo\b|\bconfirmo\b|\bvoy a (?:ir|asistir|estar|conectarme)\b|"
    r"\basistire\b|\bvoy en camino\b|\bya voy\b|\bahi voy\b|\balli estare\b|\bestare ahi\b",
    r"\b(?:won't|wont|not going to|never) be late\b|\b(?:i'll|will) be (?:there )?on time\b|"
    r"\bno voy a llegar tarde\b|\bllego a tiempo\b",
    r"\b(?:no voy a faltar|no faltare)\b|\bestare (?:en|ahi|alli|presente|conectad[oa])\b",
    r"\btry(?:ing)? (?:to|and) (?:make it|come|be there|join|log on|attend)\b",
    r"\bcuent(?:a|en|e) conmigo\b|\bvoy (?:pa'?|para) (?:alla|alli|ahi)\b",
    r"\b(?:i'll|i'm going to)\b[^.!?,]{0,25}\b(?:in|at) (?:group|session|class)\b",
    r"\bsin falta\b|\b(?:estoy|ahi estoy|voy a estar) (?:ahi|alli|presente)\b|\bahi estoy\b",
    # "(al final) puedo ir": I can make it (never after "no": "no puedo ir" is an absence).
    r"(?<!\bno )(?<!\bya no )\b(?:al final |ya |si )?puedo (?:ir|asistir|llegar|conectarme)\b",
)
CONFIRM_EMOJI = re.compile("[\U0001f44d\u2705\U0001f44c\u2714]")
# A bare yes/ok (often a reply to a reminder).
CONFIRM_SHORT = re.compile(
    r"^\s*(?:yes|yep|yeah|yup|ok|okay|sure|si|claro|of course|will do|got it|"
    r"sounds good|definitely)\b[\s!.]*(?:[^\w\s]*)$"
)
NOW_WORDS = re.compile(
    r"\bon my way\b|\b(?:joining|hopping on|getting on) now\b|\blogging (?:on|in)\b|"
    r"\bjoining now\b|\ben camino\b|\bya voy\b|\bahi voy\b|\bvoy (?:pa'?|para) (?:alla|alli|ahi)\b"
)
# Leaving early is attending: "leave early tomorrow for a parent teacher conference".
LEAVE_EARLY = re.compile(
    r"\b(?:leave|leaving|log off|logging off|duck out|step out|head out) early\b|"
    r"\b(?:salir|salirme|irme) (?:temprano|antes)\b"
)
QUESTION_SENTENCE = re.compile(r"[^.!?\n]*\?")
ABOUT_A_SESSION = re.compile(
    r"\b(?:class|sorry|lo siento|perdon|tonight|today|tomorrow|hoy|manana|esta noche|monday|"
    r"tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|lunes|martes|miercoles|jueves|viernes|sabado|"
    r"domingo)\b"
)

# --- tense -------------------------------------------------------------------------------------
PAST = re.compile(
    r"\b(?:missed|didn't|couldn't|wasn't|weren't|was|were|forgot|slept|overslept|fell asleep|"
    r"had|went|did|ago|earlier|already|relapsed|used|drank|got sick|passed out|no[- ]show|"
    r"falte|pude|fui|tuve|estuve|olvido|olvide|quede|perdi|pasado|asisti|llegue|conecte|"
    r"dormi|recai|consumi)\b"
)
STRONG_FUTURE = re.compile(
    r"\b(?:will|i'll|we'll|won't|going to|shall|next|upcoming|coming|tomorrow|voy a|podre|"
    r"manana|proximo|que viene|vamos a|planning|plan to)\b"
)
CLAUSE_SPLIT = re.compile(
    r"[.!?;,\n]+|\s+-+\s+|\b(?:but|pero|so|because|porque|and|y(?!')|although|though|then|"
    r"asi que|entonces|since|ya que)\b"
)

# --- new time vs old time in a reschedule -----------------------------------------------------
MOVE_VERB = re.compile(
    r"\b(?:reschedul\w*|move|moving|switch|swap|change|push|bump|shift|cambiar|mover|"
    r"reprogramar|reagendar|pasar|posponer)\b"
)
NEW_TIME_BEFORE = re.compile(
    r"(?:\b(?:to|into|until|till|for|a|al|para|hasta|do|try|maybe|how about|what about|"
    r"instead on)\s+(?:the\s+|el\s+|next\s+)?$)"
)
# "move my 1:1 to later in the week": after the move verb and its "to", within one clause.
MOVE_DESTINATION = re.compile(
    MOVE_VERB.pattern + r"[^,;]*?\b(?:to|till|until|into|para|al|hasta)\b"
)
PROPOSAL = re.compile(
    r"\b(?:maybe|works|(?:would|does|could|will|might|don't|doesn't) work|work for (?:me|you|"
    r"us)|better|"
    r"how about|what about|instead|possible|available|"
    r"open|free|or|quizas|tal vez|mejor|puede ser|funciona)\b"
)
NEW_TIME_AFTER = re.compile(
    r"^\s*(?:'s\s+\w+\s+)?(?:instead|en su lugar|works|would work|is (?:better|good|best|free|"
    r"open)|me (?:queda|funciona|viene))\b"
)
OLD_TIME_BEFORE = re.compile(
    r"\b(?:instead of|in place of|en vez de|en lugar de)\s+(?:\S+\s+){0,4}$"
    r"|\b(?:from|del|de)\s+(?:the |el )?$"
)

# A date that only dates the reason ("court on the 15th") when other dates are present.
REASON_NOUN_NEAR = re.compile(
    r"\b(?:court|hearing|exam|final|finals|test|midterm|appointment|cita|audiencia|wedding|"
    r"funeral|surgery|interview|boda|examen|shift|trip|flight|vacation|meeting|procedure|"
    r"recital|game|date|graduation|turno|juicio|party|corte|juzgado|doctor|dentist|medico|"
    r"dentista|abogado|lawyer|surgery|cirugia)\b"
)

# --- session kind ------------------------------------------------------------------------------
KINDS: tuple[tuple[SessionKind, re.Pattern[str]], ...] = (
    (
        SessionKind.SUPPORT,
        _rx(
            r"\bsupport (?:group|meeting|session|circle|grp)\b|\bpeer support\b",
            r"\b(?:aa|na|ca|12[- ]step|smart recovery|recovery) (?:meeting|group)\b",
            r"\bgrupo de (?:apoyo|ayuda)\b|\bapoyo\b",
        ),
    ),
    (
        SessionKind.PSYCHOEDUCATION,
        _rx(
            r"\bpsych?o[- ]?ed\w*\b|\bpsych[- ]ed\b|\bpsicoeduca\w*\b",
            r"\b(?:education|educational|skills|life skills|dbt skills|coping skills) "
            r"(?:group|class|session|workshop)\b",
            r"\b(?:relapse prevention|education|skills) class\b|\blecture\b|\bworkshop\b",
            r"\bclase (?:de )?(?:educacion|habilidades)\b|\btaller\b",
        ),
    ),
    (
        SessionKind.FAMILY,
        _rx(
            r"\bfamily (?:session|therapy|meeting|appointment|group|counseling|counselling|"
            r"mtg|one)\b",
            r"\bcouples? (?:session|therapy|counseling)\b",
            r"\bsession with my (?:family|wife|husband|parents|mom|dad|partner|kids)\b",
            r"\bfamily (?:night|program)\b|\b(?:to|at|make|miss|missed|skip|for) family\b"
            r"(?! (?:reasons|stuff|emergency|matters|issues|things?|events?|visits?|dinner|"
            r"members?|"
            r"time|business|trip|gathering|reunion|party))",
            r"\b(?:terapia|sesion|cita|reunion) (?:familiar|de familia|con mi familia)\b|"
            r"\bla familiar\b",
        ),
    ),
    (
        SessionKind.INDIVIDUAL,
        _rx(
            r"\bindividual\b",
            r"\b(?:session|appointment|meeting|check-?in|call) with (?:my |the )?"
            r"(?:therapist|counselor|counsellor|clinician|dr\.? \w+|doctor \w+|case manager)\b",
            r"\btherapist (?:appointment|session)\b|\bcounsel+ing (?:session|appointment)\b",
            r"\bprivate session\b",
        ),
    ),
    (
        SessionKind.GROUP,
        _rx(
            r"\bgroups?\b|\bgroup therapy\b|\bgrupo\b|\bgrupal\b|\bgroup session\b",
            r"\bterapia de grupo\b",
        ),
    ),
)

# Weaker than any kind named outright: "my counselor said I could switch to support group".
KIND_FALLBACK: tuple[tuple[SessionKind, re.Pattern[str]], ...] = (
    (
        SessionKind.INDIVIDUAL,
        _rx(
            r"\bmy (?:therapist|counselor|counsellor|clinician)\b",
            r"\b(?:mi|la|con mi|con la|con el) (?:terapeuta|consejer[oa]|psicolog[oa])\b",
        ),
    ),
)
# "monday's class", "the class": the session itself, not school.
SESSION_CLASS = re.compile(
    r"\b(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tonight|today|tomorrow|"
    r"yesterday)(?:'s)?|the|our|this|that|iop|skills|evening|online) class(?:es)?\b"
)
# "be on zoom", "in person": where the session happens, not a technical problem.
VENUE = re.compile(r"\b(?:on|via|over|through|by|in) (?:zoom|video|the app|person)\b")

# --- reasons -----------------------------------------------------------------------------------
_FAMILY_PERSON = (
    r"mom|mother|mum|mama|dad|father|papa|grandma|grandmother|grandpa|grandfather|granny|"
    r"brother|sister|wife|husband|partner|aunt|uncle|cousin|in-laws|mother-in-law|"
    r"father-in-law|parents|nana|abuela|abuelo|hermano|hermana|esposa|esposo|tio|tia|primo|"
    r"prima|suegra|suegro|padre|madre|pareja|boyfriend|girlfriend|fiance|fiancee|relative|"
    r"stepdad|stepmom|niece|nephew|sobrino|sobrina"
)
_CHILD = (
    r"kid|kids|kiddo|kiddos|little ones|child|children|daughter|baby|toddler|babysitter|sitter|"
    r"daycare|day care|parent[- ]teacher|school play|nena|nene|nenes|chamac[oa]s?|mij[oa]|"
    r"hijit[oa]s?|peques?|crios?|"
    r"childcare|child care|nanny|hijo|hija|hijos|hijas|nino|nina|ninos|bebe|ninera|guarderia|"
    r"kinder|(?:my|his|her|our|the) son|stepson|stepdaughter|little one|school pickup|"
    r"pick up my (?:kid|son|daughter)"
)
FAMILY_PERSON = re.compile(rf"\b(?:{_FAMILY_PERSON})(?:'s)?\b")

REASONS: tuple[tuple[Reason, re.Pattern[str]], ...] = (
    (
        Reason.LEGAL,
        _rx(
            r"\bcourt\b(?!yard)|\blawyer\b|\battorney\b|\bprobation\b|\bparole\b|\bjudge\b",
            r"\b(?:court|legal) (?:date|hearing|thing|stuff)\b|\bhearing\b(?! aid)|\barraign\w*\b",
            r"\bjury\b|\bp\.?o\.? (?:meeting|appointment|check-?in|visit)\b|\bmy p\.?o\.?\b|"
            r"\blegal\b",
            r"\bcorte\b(?! de (?:luz|internet|pelo|cabello))|\babogad[oa]\b|\baudiencia\b|"
            r"\bjuez\b|\bjuzgado\b|\btribunal\b|\blibertad condicional\b|\bjuicio\b",
        ),
    ),
    (
        Reason.TECHNOLOGY,
        _rx(
            r"\bwi-?fi\b|\binternet\b|\bconnection\b|\bconnectivity\b|\blaptop\b|\bcomputer\b",
            r"\bzoom\b|\bwebcam\b|\bcamera\b|\bmic\b|\bmicrophone\b|\baudio\b|\bcharger\b",
            r"\bphone (?:died|is dead|dead|broke|broken|cracked|won't|stopped|isn't)\b|"
            r"\bdead phone\b|\bbattery\b|\b(?:my|the) phone\b.{0,15}\b(?:died|dead|broke)\b",
            r"\bpower (?:outage|is out|went out|'s out|out|was out|cut)\b|\b(?:no|lost) power\b|"
            r"\boutage\b|\bwouldn't let me (?:in|join|log)\b",
            r"\b(?:link|app|video|screen) (?:isn't|won't|doesn't|not|keeps|is broken|broke)\b",
            r"\bno (?:service|signal|data)\b|\bwifi\b|\blost my (?:phone|laptop|charger|"
            r"computer)\b|"
            r"\b(?:phone|laptop|computer) (?:got |was )?stolen\b|\bperdi (?:mi|el) (?:celular|"
            r"telefono)\b",
            r"\bconexion\b|\bcomputadora\b|\bcelular\b|\btelefono\b|\bbateria\b|"
            r"\bse (?:fue|cayo) (?:la luz|el internet)\b|\bsin luz\b|\bcorte de luz\b|"
            r"\bsin bateria\b",
        ),
    ),
    (
        Reason.TRANSPORT,
        _rx(
            r"\bcar\b|\bbus\b|\bride\b|\btrain\b|\bsubway\b|\bmetro\b|\buber\b|\blyft\b|"
            r"\btaxi\b|\bflat tire\b|\btire\b|\b(?:got|have|had) a flat\b|\btraffic\b|"
            r"\bbroke down\b|\btransportation\b",
            r"\bcommute\b|\bno way (?:to get|of getting) there\b|\bcouldn't get a ride\b|"
            r"\bstuck on the (?:highway|road|freeway)\b|\bno gas\b|\bout of gas\b",
            r"\bcarro\b|\bcoche\b|\bcamion\b|\bautobus\b|\braite\b|\baventon\b|\btrafico\b|"
            r"\bllanta\b|\bguagua\b|\bpesero\b|\bcombi\b|\btren\b|\btransporte\b|"
            r"\bse descompuso\b|\bquien me lleve\b|"
            r"\bnadie que me lleve\b|"
            r"\bno tengo (?:como llegar|en que irme)\b",
        ),
    ),
    (Reason.CHILDCARE, re.compile(rf"\b(?:{_CHILD})(?:'s)?\b")),
    (
        Reason.HEALTH,
        _rx(
            r"\bsick\b|\bill\b|\bflu\b|\bfever\b|\bcovid\b|\bmigraine\b|\bhospital\w*\b|"
            r"\bdentist\b|\bdoctor(?:'?s)?\b|\bdrs?(?:'s)? appointment\b|\bmedical\b|"
            r"\b(?:the|in|at) er\b|\bemergency room\b|\bunder the weather\b|\bunwell\b",
            r"\bnot feeling (?:well|good|great|so good)\b|\bfeel(?:ing)? (?:sick|awful|terrible|"
            r"like crap|like shit|horrible)\b|\b(?:have|got|caught) (?:a |the )?(?:bad )?cold\b|"
            r"\b(?:this|a|the|my|bad|nasty|head) cold\b|\bno me (?:encontraba|encuentro|"
            r"sentia|siento) bien\b",
            r"\burgent care\b|\bsurgery\b|\binjur\w*\b|\bthrowing up\b|\bvomit\w*\b|"
            r"\bstomach\b|\bheadache\b|\bpain\b|\bpanic attack\b|\banxiety attack\b|"
            r"\bstrep\b|\bmy back\b|\bback (?:pain|hurts|went out)\b|\binfection\b|"
            r"\bfood poisoning\b|\bnausea\w*\b|\bdiarrhea\b|"
            r"\bpositive\b|\bcontagious\b|\bhurt my\b|\bbroke my\b|\bsprain\w*\b|\bmeds\b|"
            r"\bphysical therapy\b|\bpsychiatrist\b|\bdepress\w*\b|\banxi\w*\b|\bmental health\b|"
            r"\bmri\b|\bx-?ray\b|\bblood work\b|\bcheck-?up\b|\bpregnan\w*\b|\bultrasound\b",
            r"\benferm[oa]\b|\bmedic[oa]\b|\bgripe\b|\bfiebre\b|\bhospital\b|\bdentista\b|"
            r"\bdolor\b|\bmigrana\b|\bmalestar\b|\bvomit\w*\b|\bresfriad[oa]\b|\bcita medica\b|"
            r"\bdoctora?\b|\bcirugia\b|\bemergencias\b|\bme siento (?:muy |super |bien )?mal\b|"
            r"\bgripa\b|\bno me siento bien\b|\bestoy mal\b|\b(?:estoy|estaba|estuve|ando|"
            r"andaba|me puse|he estado|sigo) (?:muy |un poco )?(?:mal[oa]?|malit[oa]|"
            r"enferm[oa])\b|\bme (?:siento|sentia|"
            r"senti) (?:muy )?(?:fatal|mal|"
            r"enferm[oa])\b",
        ),
    ),
    (
        Reason.FAMILY,
        _rx(
            r"\bfamily\b|\bfuneral\b|\bwedding\b|\bmemorial\b",
            rf"\b(?:{_FAMILY_PERSON})(?:'s)?\b",
            r"\bfamilia\b|\bfuneral\b|\bboda\b|\bvelorio\b|\bentierro\b",
        ),
    ),
    (
        Reason.SCHOOL,
        _rx(
            r"\bschool\b|\bclass\b|\bclasses\b|\bexams?\b|(?<!\bal )\bfinals?\b|\bmidterms?\b|"
            r"\btest\b|"
            r"\bhomework\b|\bpaper\b|\bprofessor\b|\bstudy\w*\b|\bcollege\b|\bcampus\b|"
            r"\buniversity\b|\bsemester\b|\bassignment\b|\bged\b|\btutor\w*\b",
            r"\bescuela\b|\bclases?\b|\bexamen\w*\b|\buniversidad\b|\btarea\b|\bestudiar\b|"
            r"\bcolegio\b|\bprepa\b|\bfacultad\b",
        ),
    ),
    (
        Reason.WORK,
        _rx(
            r"\bwork\b|\bworking\b|\bshifts?\b|\bboss\b|\bjob\b|\bovertime\b|\bmanager\b|"
            r"\bemployer\b|\bclient\b|\bcoworker\b|\bdeadline\b|\boffice\b|\bon call\b|"
            r"\bbusiness trip\b|\bwork trip\b|\bdouble\b|\bclock(?:ed)? out\b|\bhired\b",
            r"\b(?:in a|my|work|team|staff|client|business) meeting\b",
            r"\btrabaj\w*\b|\bcurr(?:o|ar|ando|e)\b|\bdoble\b|\bjunta\b|\bjefe\b|\bjefa\b|"
            r"\bchamba\w*\b|\bdoble turno\b",
        ),
    ),
    (
        Reason.MOTIVATION,
        _rx(
            r"\bnot (?:feeling )?up (?:to|for) (?:it|this|group|tonight|today|going)\b",
            r"\b(?:don't|dont|do not) feel like\b|\bnot feeling it\b|\btired\b|\bexhausted\b",
            r"\bno (?:energy|motivation)\b|\bunmotivated\b|\bnot motivated\b|\bnot in the mood\b",
            r"\bcan't be bothered\b|\bneed a (?:break|night off|day off)\b|\bburn(?:ed|t) out\b",
            r"\b(?:couldn't|can't|could not) face\b|\bnot sure (?:it's|it is|this is|group is) "
            r"(?:helping|working|worth it)\b",
            r"\boverwhelmed\b|\blazy\b|\bdon't want to (?:come|go|do|log|join|talk)\b|"
            r"\bwhat's the point\b|\bno point\b",
            r"\bno tengo ganas\b|\bsin ganas\b|\bno me siento con (?:animo|ganas)\b|"
            r"\bdesanimad\w*\b|"
            r"\bcansad[oa]\b|\bflojera\b|\bsin animo\b|\bno quiero ir\b|\bagotad[oa]\b",
        ),
    ),
    (
        Reason.OTHER,
        _rx(
            r"\bsomething came up\b|\bpersonal (?:stuff|reasons|matter|issue|thing)\b|"
            r"\bemergency\b|\berrands?\b|\b(?:i'm|we're|we are) moving\b|"
            r"\bmoving (?:day|out|house|apartments?|into|in)\b|\bnew (?:apartment|place|"
            r"house)\b|\bvacation\b|\bout of town\b|\btravel\w*\b",
            r"\bstorm\b|\bsnow\w*\b|\bweather\b|\bhurricane\b|\bflood\w*\b|\bvet\b|\bdog\b|"
            r"\bcat\b|"
            r"\bpet\b|\bchurch\b|\bbirthday\b|\blandlord\b|\bevict\w*\b|"
            r"\bhousing\b|\bsurgio algo\b|\bemergencia\b|\bmudanza\b|\bviaje\b|"
            r"\b(?:an|another|other|una|otra) (?:appointment|cita)\b|\bfell asleep\b|"
            r"\boverslept\b|\bslept (?:through|in)\b|\bme quede dormid[oa]\b|\bme dormi\b|"
            r"\bidentity\b|\bdmv\b|\bbank\b|\bpassport\b|\bout of (?:state|the country)\b|"
            r"\b(?:time change|clocks? (?:change[sd]?|going back|went back|go back|spring\w* "
            r"forward|sprang forward|fall(?:ing)? back|fell back)|spring(?:ing)? forward|dst|"
            r"daylight saving\w*|cambio de (?:horario|hora))\b",
        ),
    ),
)
# "zoom doesn't work" is a technology problem, not a job.
NOT_A_JOB = re.compile(
    r"\b(?:doesn't|won't|isn't|not|didn't|don't|stopped|wouldn't|aren't|never) work(?:ing|s)?\b"
)
# "a double shift at the hospital": the patient's workplace, not their health.
WORKPLACE = re.compile(
    r"\b(?:shift|turno|work|working|trabajo|trabajando|doble|double)\b[^.,!?]{0,20}\b(?:at|in|en) "
    r"(?:the |el |la )?(?:hospital|clinic|clinica|er|doctor's office)\b"
)
EXPLICIT_BECAUSE = re.compile(r"\b(?:because|due to|since|porque|por que|reason is)\b")

# --- late minutes ------------------------------------------------------------------------------
LATE_MINUTES = re.compile(
    r"\b(?:(?P<lo>\d{1,3})\s*(?:-|to|or|a)\s*)?(?P<n>\d{1,3}) (?:minutes|minutos)\b"
    r"|(?P<half>\bhalf (?:an )?hour\b|\bmedia hora\b)"
    r"|(?P<hour>\b(?:an|one|1|una) (?:hour|hora)\b)"
    r"|(?P<quarter>\b(?:a )?quarter (?:of an )?hour\b|\bun cuarto de hora\b)"
)
