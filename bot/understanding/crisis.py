"""Crisis detection by meaning components, not by a list of whole phrases.

People in crisis rarely say "suicide": they give things away, say goodbye, mention the pills in
front of them or that there is no point. So a message is read as a few small components that
rules combine, in English and Spanish (on `text.normalize` output):

- ending: dying, ending it, not waking up, being gone. Words strong on their own ("kill myself",
  "unalive", "not wake up") count alone; weak ones ("die", "dead", "disappear") need a wish,
  intent or thought frame before them in the sentence ("want to", "deserve to", "go", "ojala").
- hopelessness: no point, can't go on, a burden, better off without me, nobody would notice.
- means: pills, a gun, a rope, a blade, a bridge or roof, combined with a quantity ("all",
  "whole bottle", "enough", "saving up"), with having it at hand ("in front of me", "out of the
  safe", "bought"), with a position ("sitting on the bridge") or a dangerous act ("in front of
  the train", "engine running").
- self-harm: cutting or burning again, an urge to, "hurt myself".
- substance danger: a use or relapse word and a danger word anywhere in the message ("used ...
  heart won't slow down", "recai ... tengo miedo"), or sober time with a drink at hand.
- safety: "I'm not safe", "don't trust myself", "did something stupid".
- farewell: one strong sign ("last time you'll hear from me", "affairs in order", "won't be
  needing them") or two weak ones ("thank you for trying" + "none of this is her fault").

Who it is about: the nearest subject before the words decides. Someone else's crisis ("my
friend wants to kill herself") is not the patient's: it stays `other` (or the absence it
causes) and the patient can forward it; but a parent writing about their own child ("this is
Jake's mom", "my son ...") is writing about the patient of an adolescent program, so it is a
crisis. Negated words ("I'm not suicidal") are blanked first. Idioms ("dying to know", "dead
battery", "rather die than", "killing time") are guarded. Recall wins over precision: a false
alarm only shows the crisis line, a missed one is a safety failure.
"""

import re

from bot.understanding.text import any_of as _rx

SENTENCE_SPLIT = re.compile(r"[.!?;\n]+")
# Narrower than ``rules.CLAUSE_SPLIT``: a crisis phrase may run across "although" or "then".
CRISIS_CLAUSE_SPLIT = re.compile(r"[.!?;,\n]+|\b(?:but|pero|and|y(?!')|so|because|porque)\b")

# --- who --------------------------------------------------------------------------------------
_PEOPLE = (
    r"brother|sister|mom|mother|dad|father|friend|best friend|cousin|uncle|aunt|husband|wife|"
    r"partner|roommate|boyfriend|girlfriend|neighbor|sponsor|grandma|grandpa|coworker|buddy|"
    r"nephew|niece|ex"
)
_CHILDREN = r"son|daughter|kid|child|teen|boy|girl|stepson|stepdaughter"
OTHER_SUBJECT = re.compile(
    rf"\b(?:my|his|her|their|our|a) (?:{_PEOPLE}|{_CHILDREN})(?:'s)?\b"
    r"|\b(?:he|she|they|someone|somebody|he's|she's|they're)\b"
    r"|\b(?:mi|su) (?:hermano|hermana|mama|papa|amigo|amiga|primo|prima|hijo|hija|esposo|"
    r"esposa|tio|tia|novio|novia)\b"
)
# "got my father's revolver": a possessive names whose thing it is, not who acts.
OTHER_ACTOR = re.compile(OTHER_SUBJECT.pattern.replace("(?:'s)?\\b", "\\b(?!'s)"))
CHILD_SUBJECT = re.compile(
    rf"\b(?:my|our) (?:{_CHILDREN})\b|\b(?:he|she|he's|she's)\b|\b(?:mi|nuestro|nuestra) "
    r"(?:hijo|hija)\b"
)
SELF_SUBJECT = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|myself|my ?self|yo)\b")
# "this is Jake's mom", "our son": a parent writing about the adolescent patient.
PARENT_WRITER = re.compile(
    r"\b(?:this is|it's|soy) (?:\w+'s |la (?:mama|madre) de |el (?:papa|padre) de )?"
    r"(?:mom|mother|dad|father|parent|guardian|stepmom|stepdad)\b|\b(?:my|our) (?:son|"
    r"daughter|teen|child|kid)\b|\b(?:mi|nuestro|nuestra) (?:hijo|hija)\b"
)

# --- negation and idioms, blanked before anything else ---------------------------------------
NEGATED = _rx(
    r"\b(?:i'm |i am )?not (?:suicidal|going to (?:hurt|kill|harm) my ?self|thinking (?:about|"
    r"of) (?:suicide|killing|hurting|ending))\w*",
    r"\bnever (?:would|will|going to) (?:hurt|kill|harm) my ?self\b",
    r"\bno (?:estoy pensando en|pienso en|voy a) (?:suicid\w*|matarme|hacerme dano)\b",
)
IDIOMS = _rx(
    r"\bdying (?:to|for|of)\b|\bdie (?:of|from) (?:embarrassment|laughter|boredom|shame)\b",
    r"\b(?:rather|sooner) die than\b|\b(?:is|was|are|looks|tastes) to die for\b|"
    r"\bso (?:hard|much)\b[^.!?]{0,15}\bcould (?:just )?die\b|\bdead ?(?:tired|serious|last|line|"
    r"battery|phone|end|beat)\b",
    r"\b(?:phone|battery|car|laptop|computer|truck|charger|wifi|internet)(?:'s| is| was)? "
    r"(?:dead|died|dying)\b",
    r"\bkill(?:ing)? (?:some |the )?time\b|\bkilled it\b|\bkilling it\b|\b\w+ is killing me\b",
    r"\bsuicid\w* (?:prevention|awareness|training|walk|class|seminar|workshop|hotline|"
    r"attempt survivors|loss|survivors)\b|"
    r"\b(?:overdos\w*|relapse) (?:prevention|awareness|training|class|"
    r"vigil|worksheet|plan|signs)\b",
    r"\b(?:me muero|muert[oa]) de (?:hambre|sueno|risa|ganas|cansancio|frio|calor|"
    r"verguenza)\b|\bme (?:esta )?matando el\b|\bme mata el\b",
    r"\b(?:talked|talking|learned|learning|discussed|lesson|topic|handout) (?:about|on|was) "
    r"(?:overdose|suicide|relapse|self[- ]harm)\w*\b",
    r"\bgun range\b|\b(?:pills?|meds?) (?:(?:are )?ready )?for the week\b|\bpill organizer\b",
)

# --- components ---------------------------------------------------------------------------------
ENDING_STRONG = _rx(
    r"\bkill(?:ing)? my ?self\b|\bsuicid\w*|\bunaliv\w*|\bkms\b|\bsewer ?slide\b",
    r"\b(?:end|ending|ended|take|taking) (?:it all|my (?:own )?life|everything|things for "
    r"good)\b|\bend it\b(?! (?:early|there|here|at|with))",
    r"\bfinish (?:it|it all|everything|my life)\b(?! (?:tonight|today|tomorrow|later|"
    r"first|before|after|by))",
    r"\b(?:not|never) (?:wake|waking) up\b|\bsleep forever\b|\bgone for good\b",
    r"\b(?:not|don't|doesn't|no|didn't) (?:want|wanna) (?:to )?(?:live|be alive|exist|be here|"
    r"wake up)\b|\b(?:tired of|sick of) (?:being|staying) (?:alive|here)\b",
    r"\b(?:wasn't|weren't|was not|not) (?:around|here|alive) (?:any ?more)?\b(?=[^.!?]{0,25}"
    r"\b(?:easier|better|happier|fine)\b)|\bif i (?:was|were) gone\b|\bif i (?:just )?"
    r"(?:wasn't|weren't) (?:around|here|alive)\b",
    r"\bstop (?:existing|living|breathing)\b|\bnot (?:exist|be alive)\b",
    r"\bmatarme\b|\bsuicidarme\b|\bquitarme la vida\b|\bno despertar\w*\b|\bno existiera\b|"
    r"\bdejar de existir\b|\b(?:irme|ir) de este mundo\b|\bno quiero (?:vivir|seguir "
    r"viviendo|estar aqui|existir)\b|\bya no (?:voy a )?estar (?:para|aqui|con)\b",
    r"\b(?:me )?quiero morir\w*|\bdormir\w* y no despertar\w*\b",
    # "I just want it to be over", "it ends tonight", "no reason to stick around"
    r"\b(?:want|wish|need) (?:it|this|everything|it all|the pain) to (?:be over|end|stop)\b|"
    r"\bover for good\b|\bit (?:all )?ends (?:tonight|today|now|here)\b",
    r"\bstick around (?:any ?more|much longer)\b|\b(?:para que|no quiero) seguir(?: viviendo)?\b",
)
ENDING_WEAK = re.compile(
    r"\bdie\b|\bdead\b|\bdeath\b|\bdisappear\w*\b|\bvanish\b|\bend it\b|\bmorir\w*\b|"
    r"\bmuert[oa]\b|\bdesaparecer\b|\bacabar con (?:todo|mi vida)\b|\bending it\b(?! with)"
)
# A wish, intent or thought frame that turns a weak ending word into ideation.
FRAME_BEFORE = re.compile(
    r"\b(?:want|wanted|wanna|wish|wishing|going to|about to|ready to|plan\w*|think\w*|thought|"
    r"keep|hoping|hope|deserve|wants|says|said|trying|tempted|urge|go|just|would|'d|could|"
    r"if i|easier|better|"
    r"about|quiero|quisiera|ojala|pienso|pensando|ganas|voy a|me voy a|prefiero|mejor)\b"
)
HOPELESS = _rx(
    r"\b(?:no|any|what's the|whats the|what is the|don't see the|see no|is there a) point\b"
    r"(?! (?:in|of) (?:coming|going|joining|logging|group|the group|class|the class|session|"
    r"asking|rescheduling|the zoom|calling))",
    r"\bcan't (?:go on|keep going|do this any ?more|do it any ?more|take (?:it|this) any ?more|"
    r"live like this|hold on)\b",
    r"\bnothing (?:matters|is worth it|left)\b|\bnot worth living\b|\bno (?:way out|reason to "
    r"live|reason to keep going)\b",
    r"\b(?:i'm|i am|being|just) a burden\b|\bburden (?:to|on) (?:everyone|everybody|my|all|"
    r"you)\b",
    r"\b(?:better|happier|easier|fine|okay|ok) (?:off )?without me\b(?! (?:tonight|today|"
    r"tomorrow|for (?:an?|one|the)|this|at|in (?:group|class|session|the)|there))",
    r"\b(?:nobody|no one|noone) (?:would|will|even|'d|would even) (?:notice|care|miss)\b",
    r"\bdone with (?:life|living|everything|it all)\b|\bdone w(?:ith)? life\b|\bdone\b[^.!?]{0,"
    r"4}[.!?][^.!?]{0,30}\bwith everything\b",
    r"\b(?:tired|sick) of (?:being alive|living|life|existing|waking up)\b",
    r"\b(?:my )?life (?:has|have|makes) no (?:sense|meaning|point)\b|\beverything is "
    r"(?:dark|black|pointless|hopeless)\b|\bhopeless\b",
    r"\bya no tiene (?:caso|sentido)\b|\bno tiene (?:caso|sentido) (?:seguir|vivir|nada)\b|"
    r"\bno (?:doy|aguanto|puedo) mas\b(?! (?:tarde|temprano))|\bsoy una carga\b|"
    r"\bestarian mejor sin mi\b|\bmas facil si (?:yo )?no (?:existiera|estuviera)\b|"
    r"\bno (?:le )?veo (?:el |ningun )?sentido\b|\bnadie (?:se daria cuenta|me extranaria)\b|"
    r"\b(?:ya no|no) vale la pena\b|\bnada vale la pena\b|\bno (?:hay|tengo) salida\b",
    r"\bno (?:reason|point) (?:for me )?to (?:live|stick around|stay|keep going|be here|go on|"
    r"wake up)\b|\b(?:nothing|it) (?:is )?(?:ever )?(?:going to|will|gonna) (?:get|be) "
    r"better\b|\b(?:free|rid) of me\b|\bcollect (?:the|my) life insurance\b",
    r"\b(?:nobody|no one) (?:needs|wants|loves) me\b|\bnadie me (?:necesita|quiere|extranaria)\b|"
    r"\bno (?:le )?(?:encuentro|veo) (?:el |ningun )?sentido\b",
    r"\bdeserve to (?:die|suffer|be dead)\b|\b(?:have|got|made) a plan and (?:i )?(?:picked |"
    r"chose |set )?(?:a|the) (?:date|day|time)\b",
)
MEANS = re.compile(
    r"\b(?:pills?|meds|medication|medicine|tablets|tylenol|advil|ibuprofen|xanax|ambien|"
    r"pill bottle|rope|noose|gun|revolver|pistol|rifle|shotgun|firearm|blade|razor|knife|"
    r"antidepressants?|klonopin|ativan|valium|seroquel|lithium|insulin|painkillers|opioids|"
    r"percocet|benzos|tramadol|sleeping pills|"
    r"bridge|roof|ledge|overpass|tracks|pastillas|frasco|soga|cuerda|pistola|arma|navaja|"
    r"cuchilla|puente|azotea)\b"
)
MEANS_WITH = _rx(
    # a quantity
    r"\ball (?:of )?(?:my|the|these|those)\b|\b(?:whole|entire) bottle\b|\benough\b|\bat once\b|"
    r"\ba (?:bunch|handful|lot) of\b|\b(?:way )?too many\b|\bhow (?:much|many)\b|\bthe most\b|"
    r"\b(?:saving|saved|stockpil\w*|hoard\w*|collecting)\b|\btodas\b|\btodo el\b|"
    r"\bun monton\b|\b(?:\d{2,}|veinte|treinta|cuarenta|cincuenta|twenty|thirty|forty|fifty)\b|"
    r"\bit would take\b|\blooked up\b",
    # at hand
    r"\bin front of me\b|\bnext to (?:me|it)\b|\bon the (?:table|counter|bed|nightstand)\b|"
    r"\bin my (?:hand|lap|pocket)\b|\bout of the (?:safe|closet|drawer|cabinet)\b|"
    r"\b(?:got|took|get|getting) (?:\w+ ){0,3}out\b|\bbought\b|\blooking at (?:it|them)\b|"
    r"\b(?:under|beneath) my (?:pillow|bed|mattress)\b|\b(?:hid|hidden|hiding|stash\w*)\b|"
    r"\bin the garage\b|\blined up\b|\bloaded\b|\bguardad[oa]s?\b|\baqui\b|\bholding\b",
    # a position or an act
    r"\b(?:standing|sitting|up|been) on (?:the|a|top of the) (?:\w+ )?(?:bridge|roof|ledge|"
    r"overpass|tracks|edge)\b|\bon the (?:bridge|roof|ledge) (?:of|over)\b|\beat(?:ing)? my "
    r"gun\b|\b(?:usarla|usarlo|usarlas|tomarmelas|tomarmelos)\b",
)
# "pills make me drowsy", "stuck in traffic on the bridge": the means is ordinary here.
MEANS_ORDINARY = re.compile(
    r"\b(?:make me|made me|ran out|refill|pharmacy|prescri\w*|drowsy|as directed|this morning|"
    r"on time|traffic|stuck|commute|range|hunting|repair|leak\w*|contractor|for the week)\b"
)
DANGER_ACT = _rx(
    r"\b(?:step|stepping|jump|jumping|walk|walking|throw|throwing) (?:my ?self )?(?:in front of|"
    r"off|from) (?:a|the|my) (?:\w+ )?(?:bridge|roof|building|train|bus|truck|car|ledge|cliff|"
    r"overpass|balcony|window|subway)\b",
    r"\bhoping (?:someone|somebody|a car|a truck|a bus)\b[^.!?]{0,15}\bhit",
    r"\bengine running\b|\bdrive (?:off|into) (?:a|the)\b|\bcrash (?:the|my) car on purpose\b",
)
SELF_HARM = _rx(
    r"\b(?:hurt|hurting|harm|harming|burn|burned|burnt|burning|cut|cutting|punish) "
    r"(?:my ?self|him ?self|her ?self|them ?selves)\b|"
    r"\b(?:scratch\w*|hit\w*|punch\w*|bang\w*|bit\w*|pick\w*|carv\w*) (?:my|at my) (?:arms?|"
    r"legs?|skin|wrists?|head|thighs?)\b[^.!?]{0,30}\b(?:bleed\w*|blood|again|bruis\w*)\b|"
    r"\bself[- ]?harm\w*\b",
    r"\b(?:cut|cutting)\b[^.!?]{0,20}\b(?:again|urge|can't stop|blade|razor|wrists?|arms?|"
    r"thighs?)\b|\b(?:urge|urges|want|wanna) to (?:cut|burn|hurt)\b|\bbeen cutting\b|"
    r"\bstarted cutting\b",
    r"\b(?:hacerme|me hice|me hago) (?:dano|algo)\b|\blastimarme\b|\bme lastime\b|"
    r"\bcortarme\b|\bme (?:volvi a |he vuelto a )?cort(?:e|ar|ando)\b|\bquemarme\b",
)
SUBSTANCE_USE = re.compile(
    r"\b(?:used|using|relaps\w*|slipped(?! on)|picked up (?:again|after)|"
    # "drank too much coffee" is not a relapse.
    r"(?:drank|drinking)(?! (?:too much |a lot of |so much )?(?:coffee|water|tea|soda|juice|"
    r"energy|caffeine|milk))|"
    r"got high|shot up|shoot up|shooting up|snorted|fent|fentanyl|heroin|meth|coke|cocaine|"
    r"crack|oxy|xanax|xans|percs|vodka|whiskey|liquor|booze|beers|consumi\w*|recai\w*|"
    r"took too (?:much|many)|volvi a (?:tomar|beber|consumir|usar)|"
    r"me pase|drogas?|bebi)\b"
)
SUBSTANCE_DANGER = re.compile(
    r"\b(?:scared|afraid|terrified|freaking out|panick\w*|can't stop|won't stop|heart (?:is )?"
    r"(?:racing|pounding|won't slow|beating)|won't slow down|can't breathe|trouble breathing|"
    r"can't (?:really )?feel|numb|seeing things|hearing things|hallucinat\w*|overdos\w*|"
    r"way (?:more|too "
    r"much)|too much|on top|blacked out|call 911|ambulance|don't know what (?:to do|i'll do|"
    r"i'm going to do)|help me|tengo (?:mucho )?miedo|no puedo parar|corazon|no puedo "
    r"respirar|me pase|ayuda|mixed|mixing|spinning|alone|turning blue|lips are blue|can't "
    r"wake|passing out|don't know how to stop)\b"
)
# "2 years sober and tonight there's a fifth in front of me": a relapse about to happen.
SOBER_TIME = re.compile(r"\b(?:sober|clean|sobri\w*|limpi[oa])\b|\b\d+ (?:days|months|years)\b")
DRINK_AT_HAND = re.compile(
    r"\b(?:bottle|fifth|handle|six ?pack|liquor store|bar|dealer|vodka|whiskey|beer)\b"
    r"[^.!?]{0,40}\b(?:in front of me|next to me|in my hand|parking lot|outside|bought|"
    r"holding|waiting)\b|\b(?:liquor store|dealer's|bar) (?:parking lot)?\b[^.!?]{0,60}\b"
    r"(?:scared|afraid)\b"
)
# "picked up again after 90 days": 12-step wording for a relapse, not a shift or a kid.
RELAPSE_12_STEP = _rx(
    r"\bpicked up (?:again|after|today after|last night after)\b",
    r"\b(?:slipped|relapsed|used|drank) (?:again )?after \d+ (?:days|weeks|months|years)\b",
    r"\blost my (?:sobriety|clean time|chip)\b",
    r"\b(?:got|had) \d+ (?:days|weeks|months|years) and (?:threw|blew|lost|pissed) (?:it|them) "
    r"away\b",
)
SAFETY = _rx(
    r"\b(?:i'm|i am|i feel|feel|feeling) not safe\b|\bi'm not safe\b(?! to drive)|"
    # "the roads are not safe tonight" is about the roads.
    r"(?<!are )(?<!is )\bnot safe (?:tonight|right now|with my ?self|around my ?self|alone|"
    r"any ?more)\b",
    r"\b(?:don't|do not|can't) (?:feel safe|trust my ?self|keep my ?self safe)\b",
    r"\b(?:scared|afraid|worried|terrified) (?:of )?(?:what )?i(?:'m| am)? (?:going to|might|"
    r"will|'ll|could) do\b|\bi'm (?:going to|about to) do something (?:bad|stupid|dumb)\b|"
    r"\b(?:did|done) something (?:stupid|dumb|bad|really bad)\b",
    r"\bno (?:estoy|me siento) (?:a salvo|segur[oa])\b|\bhice una (?:estupidez|tonteria)\b|"
    r"\bhice algo (?:estupido|malo)\b|\bmiedo de (?:hacerme|lo que)\b",
    r"\bvoices\b[^.!?]{0,30}\b(?:tell|telling|told)\b",
)
FAREWELL_STRONG = _rx(
    r"\bgoodbye (?:everyone|everybody|all|to (?:everyone|everybody|all)|forever|for good)\b"
    r"(?! (?:and see|see|for now|have))|\bsay goodbye (?:to|for)\b|\bsaid goodbye to\b",
    r"\blast (?:time you'll|time you will|message you'll|you'll) (?:hear|see)\b|\bthis is (?:my "
    r")?(?:goodbye|last message)\b",
    r"\bwon't (?:be )?need(?:ing)? (?:them|it|these|this|the schedule|my \w+) (?:any ?more|"
    r"where)\b|\bwhere i'm going\b|\bwon't be needing\b",
    r"\b(?:affairs|things) in order\b|\bmade (?:my )?peace\b|\bif (?:something|anything) "
    r"(?:happens|were to happen) to me\b|\bwhen i'm gone\b",
    r"\bwrote (?:goodbye )?letters? to\b|\b(?:goodbye|suicide) (?:note|letter)s?\b|"
    r"\bwrote (?:out )?my will\b",
    r"\bif you (?:don't|do not|never) hear from me\b|\b(?:don't|not) (?:plan(?:ning)? on|"
    r"going to|intend to) (?:come|coming|drive|driving|go|going|make it|making it) (?:home|"
    r"back)\b",
    r"\bme (?:despedi|despido|voy a despedir) de\b|\bya no (?:las|los|lo|la) voy a necesitar\b|"
    r"\bcuando (?:yo )?ya no "
    r"este\b|\bsi me pasa algo\b",
)
FAREWELL_WEAK = _rx(
    r"\bthank (?:you|u) (?:all )?for (?:everything|trying|all you've done)\b|\bthanks for "
    r"(?:everything|trying)\b",
    r"\btake care of (?:each other|my (?:dog|cat|kids|pets?)|them for me)\b",
    r"\b(?:none of this|it) (?:is|was|isn't|wasn't) (?:your|her|his|their|anyone's) fault\b",
    r"\b(?:gave|giving|give) (?:away )?my (?:\w+ ){0,2}(?:to|away)\b|\bjust in case\b|"
    r"\b(?:le |les )?regale mis\b|\bcuiden (?:a|de) mi\b",
    r"\b(?:can|may) have my\b|\bmade up my mind\b|\bi love you all\b|\bsorry for everything\b|"
    r"\bya no voy a poder\b(?=\s*(?:[.!]|$))|"
    r"\bno longer (?:be )?attending\b|\bwon't be (?:around|here) (?:much )?(?:longer|any ?more)\b",
)
# Graduating, ending a week: a warm goodbye that is not a farewell to life.
FAREWELL_ORDINARY = re.compile(
    r"\b(?:graduat\w*|this week|weekend|see (?:you|y'all|ya|everyone)|next week|for now|"
    r"anyone want|if anyone|couch|vacation|moving)\b"
)


def is_crisis(norm: str, explicit: re.Pattern[str]) -> bool:
    """Return True when `norm` (normalised text) holds crisis language about the patient.

    `explicit` is the list of direct first-person statements kept from the phrase rules; it is
    one component among the others here.
    """
    text = _blank(IDIOMS, _blank(NEGATED, norm))
    parent = PARENT_WRITER.search(text) is not None
    if _matches_about_patient(text, explicit, parent):
        return True
    for sentence in SENTENCE_SPLIT.split(text):
        if _sentence_is_crisis(sentence, parent):
            return True
    return _message_is_crisis(text, parent)


def is_explicit_crisis(norm: str, explicit: re.Pattern[str]) -> bool:
    """Return True for a direct first-person statement ("I want to die", "I took all my
    pills", "I'm not safe"): the crisis wording rules read exactly, urgent whatever else."""
    text = _blank(IDIOMS, _blank(NEGATED, norm))
    parent = PARENT_WRITER.search(text) is not None
    return any(
        _matches_about_patient(sentence, pattern, parent)
        for sentence in SENTENCE_SPLIT.split(text)
        for pattern in (explicit, ENDING_STRONG, SELF_HARM, SAFETY)
    )


def _sentence_is_crisis(sentence: str, parent: bool) -> bool:
    if any(
        _matches_about_patient(sentence, p, parent)
        for p in (ENDING_STRONG, HOPELESS, SELF_HARM, SAFETY, DANGER_ACT, RELAPSE_12_STEP)
    ):
        return True
    for m in ENDING_WEAK.finditer(sentence):
        # "go die", "deserve to die", "if I disappeared": a frame before the weak word.
        if FRAME_BEFORE.search(sentence, max(0, m.start() - 30), m.start()) and _about_patient(
            sentence, m.start(), parent
        ):
            return True
    means = MEANS.search(sentence)
    return (
        means is not None
        and not MEANS_ORDINARY.search(sentence)
        and MEANS_WITH.search(sentence) is not None
        and _about_patient(sentence, means.start(), parent, OTHER_ACTOR)
    )


def _message_is_crisis(text: str, parent: bool) -> bool:
    """Rules whose components may sit in different sentences of one message."""
    use = next(
        (m for m in SUBSTANCE_USE.finditer(text) if _about_patient(text, m.start(), parent)), None
    )
    if use and SUBSTANCE_DANGER.search(text):
        return True
    if SOBER_TIME.search(text) and DRINK_AT_HAND.search(text):
        return True
    if FAREWELL_STRONG.search(text):
        return True
    weak = FAREWELL_WEAK.findall(text)
    if len(weak) >= 2 and not FAREWELL_ORDINARY.search(text):
        return True
    # A goodbye plus a means or a give-away: "gave my watch away ... won't need it".
    return bool(weak) and bool(MEANS.search(text)) and not FAREWELL_ORDINARY.search(text)


def _matches_about_patient(text: str, pattern: re.Pattern[str], parent: bool) -> bool:
    for m in pattern.finditer(text):
        # "they'd be better off if i was gone": the words name the patient themself.
        if SELF_SUBJECT.search(m.group()) or _about_patient(text, m.start(), parent):
            return True
    return False


def _about_patient(
    text: str, pos: int, parent: bool, subjects: re.Pattern[str] = OTHER_SUBJECT
) -> bool:
    """Return False when the nearest subject before `pos` in its clause is someone else."""
    clause_start = max((m.end() for m in CRISIS_CLAUSE_SPLIT.finditer(text, 0, pos)), default=0)
    before = text[clause_start:pos]
    if not subjects.search(before) and not SELF_SUBJECT.search(before):
        # "my friend is in a dark place and talking about ending it": the clause has no subject
        # of its own, so the sentence's subject carries over.
        sentence_start = max((m.end() for m in SENTENCE_SPLIT.finditer(text, 0, pos)), default=0)
        before = text[sentence_start:pos]
    others = [m.end() for m in subjects.finditer(before)]
    selves = [m.end() for m in SELF_SUBJECT.finditer(before)]
    if others and (not selves or max(others) > max(selves)):
        # A parent writing about their child is writing about the (adolescent) patient.
        return parent and CHILD_SUBJECT.search(before) is not None
    return True


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """Blank matches rather than delete them, so positions still line up with the text."""
    return pattern.sub(lambda m: " " * len(m.group()), text)
