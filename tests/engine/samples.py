"""Lyrics written for the engine's tests, never bundled with the product, so properties are checked on text the
engine was not tuned on."""

FOUR_LINES = """\
Coffee on the window sill
Sunday never sitting still
Call me when the rain is done
We can chase the setting sun
"""

PLAIN_STANZAS = """\
I left the porch light burning low
For every road you used to know
The kettle hums a quiet tune
Beneath a paper silver moon

We were younger than the summer
Running faster than the thunder
Hold my hand and do not wonder
We are younger than the summer

Now the letters fill a drawer
I still hear you at the door
Every season brings you back
Like a train along the track
"""

REPEATED_STANZA = """\
Neon signs along the avenue
Every stranger looks a bit like you
Taxi horns are singing out of tune
I will find my way back to you soon

Turn it up and let the city shine
Every heartbeat falling into line

Morning papers blowing down the street
Coffee cups and hurried tired feet
Every face is hiding something new
Still the only one I see is you

Turn it up and let the city shine
Every heartbeat falling into line
"""

TAGGED = """\
[Verse 1]
Paper planes above the schoolyard fence
Every promise never making sense
We were wild and we were free
Just the open road and me

[Chorus]
Fly away fly away tonight
Chase the stars until the morning light

[Verse 2]
Now the city hums a different song
Still I hear the words we sang along
Every mile a memory
Every road leads back to me

[Chorus]
Fly away fly away tonight
Chase the stars until the morning light

[Bridge]
If the sky should fall
We will catch it all

[Chorus]
Fly away fly away tonight
Chase the stars until the morning light
"""

SPANISH = """\
Bajo la luna canto mi canción
Tu recuerdo vive en mi corazón
Las estrellas brillan sobre el mar
Y yo te espero sin poder llorar
"""

FRENCH = """\
Sous le ciel de Paris je chante pour toi
Les rues sont vides et il fait froid
Je garde ton sourire dans mon coeur
Et la nuit passe avec douceur
"""

GERMAN = """\
Ich habe dich gesucht in jeder Nacht
Und jeden Morgen bin ich aufgewacht
Dein Lachen trägt mich durch die Zeit
Wir sind zusammen, nie allein, so weit
"""

ITALIAN = """\
Sotto le stelle ti aspetto ancora
Il mare canta e non passa l'ora
Sei la mia luce quando viene sera
E nel mio cuore torna primavera
"""

PORTUGUESE = """\
Eu vou cantar pra você esta noite
A lua brilha sobre o nosso mar
Não tenho medo quando estou contigo
Meu coração só sabe te esperar
"""

DUTCH = """\
Ik loop alleen door de stille straat
Jij bent de zon die nooit meer ondergaat
Mijn hart is van jou, vandaag en altijd
Wij dansen samen, ik ben je nooit meer kwijt
"""

SHORT_SPANISH = """\
Te quiero con todo mi corazón
No me dejes sola esta noche
"""

ENGLISH_WITH_SPANISH_WORDS = """\
She said hola, mi amor, the night is young
Dancing in Havana till the morning sun
Oh Maria, Maria, you got me on the run
Despacito, baby, we have only just begun
"""

ENGLISH_SLANG_AND_VOCABLES = """\
Na na na, la la la, oh oh oh
Y'all ain't ready, yo, we finna go
Lil' mama tryna hit the floor
Ooh, c'mon, gimme a little more
"""

ENGLISH_NAMES_AND_PHRASES = """\
From Paris to Berlin and down to Rio
C'est la vie, I'm singing with my amigo
José and Renée in a vintage Volvo
Déjà vu, we're dancing at the disco
"""

ENGLISH_SHORT_LINES = """\
Oh no
Hey you
Go go go
Bye bye
"""

WITH_PRECHORUS = """\
[Verse 1]
Streetlights flicker on the avenue
Every window glowing orange and blue
I keep walking with my collar up
Holding on to what is left of us

[Pre-Chorus]
Something's rising underneath my skin
I can feel the night is pulling me in

[Chorus]
Let the thunder roll across the sky
We were never meant to say goodbye
Let the thunder roll
Let it carry us home

[Verse 2]
Empty trains are rattling through the dark
Every stranger carries half a heart
I keep counting every step I take
Every promise that we swore to break

[Pre-Chorus]
Something's rising underneath my skin
I can feel the night is pulling me in

[Chorus]
Let the thunder roll across the sky
We were never meant to say goodbye
Let the thunder roll
Let it carry us home

[Bridge]
Quiet now the storm has passed
Nothing good was built to last

[Chorus]
Let the thunder roll across the sky
We were never meant to say goodbye
Let the thunder roll
Let it carry us home
"""
