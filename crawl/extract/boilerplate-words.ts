/**
 * General boilerplate vocabulary per language: the words websites print around an article
 * (navigation, sharing, cookie and newsletter prompts, credits, the start of comment and
 * "related" sections). Only everyday site furniture belongs here, never a phrase picked from an
 * evaluation page: the lists are meant to hold on any site in these languages.
 */

/** Site furniture of one language, all lower case. */
export interface BoilerplateWords {
  /** Metadata labels: a short line that is the label alone or the label and a colon ("Tags: a, b"). */
  labels: string[];
  /** Navigation and prompt lines: a short line that is exactly one of these. */
  nav: string[];
  /** Phrases that mark a short line as boilerplate wherever they stand in it. */
  anywhere: string[];
  /** Headings that open the tail of a page (comments, related links): what follows is dropped too. */
  tail: string[];
}

/** The vocabulary, by ISO 639-1 code (the languages of the pages kiln is tested on). */
export const BOILERPLATE_WORDS: Record<string, BoilerplateWords> = {
  en: {
    labels: ['tags', 'tag', 'tagged', 'tagged with', 'category', 'categories', 'filed under', 'topics', 'source', 'sources', 'photo', 'photos', 'image', 'images', 'picture', 'credit', 'credits', 'image credit', 'photo credit', 'share', 'share this', 'share on', 'print', 'email', 'e-mail', 'advertisement', 'sponsored', 'published', 'updated', 'posted', 'posted in', 'posted on', 'last updated', 'copyright', 'related', 'keywords'],
    nav: ['home', 'menu', 'main menu', 'search', 'log in', 'login', 'sign in', 'sign up', 'register', 'subscribe', 'contact', 'contact us', 'about', 'about us', 'privacy', 'privacy policy', 'terms', 'terms of use', 'terms of service', 'cookie policy', 'sitemap', 'skip to content', 'skip to main content', 'back to top', 'next', 'previous', 'next post', 'previous post', 'older posts', 'newer posts', 'load more', 'show more', 'read more', 'continue reading', 'close', 'toggle navigation', 'print this page', 'tweet', 'facebook', 'twitter', 'linkedin', 'whatsapp', 'pinterest', 'reddit', 'instagram', 'youtube'],
    anywhere: ['all rights reserved', 'we use cookies', 'this site uses cookies', 'this website uses cookies', 'accept cookies', 'cookie settings', 'cookie policy', 'subscribe to our newsletter', 'sign up for our newsletter', 'subscribe now', 'sign up for', 'follow us on', 'share this article', 'share this story', 'share this post', 'click here to', 'enable javascript', 'javascript is disabled'],
    tail: ['related', 'related articles', 'related posts', 'related stories', 'related content', 'related links', 'you may also like', 'you might also like', 'more stories', 'more from', 'more on this', 'more articles', 'read more', 'read next', 'read also', 'see also', 'recommended', 'recommended for you', 'most popular', 'most read', 'trending', 'comments', 'comment', 'leave a reply', 'leave a comment', 'join the discussion', 'about the author'],
  },
  de: {
    labels: ['schlagworte', 'schlagwörter', 'stichworte', 'tags', 'kategorie', 'kategorien', 'rubrik', 'themen', 'quelle', 'quellen', 'foto', 'fotos', 'bild', 'bilder', 'bildquelle', 'bildnachweis', 'abbildung', 'teilen', 'drucken', 'e-mail', 'anzeige', 'werbung', 'veröffentlicht', 'aktualisiert', 'stand', 'copyright'],
    nav: ['startseite', 'home', 'menü', 'suche', 'anmelden', 'einloggen', 'registrieren', 'abonnieren', 'kontakt', 'impressum', 'datenschutz', 'datenschutzerklärung', 'agb', 'nutzungsbedingungen', 'über uns', 'sitemap', 'zum inhalt springen', 'zum inhalt', 'nach oben', 'weiter', 'zurück', 'vorheriger artikel', 'nächster artikel', 'mehr laden', 'mehr anzeigen', 'weiterlesen', 'schließen'],
    anywhere: ['alle rechte vorbehalten', 'wir verwenden cookies', 'diese website verwendet cookies', 'cookies akzeptieren', 'cookie-einstellungen', 'newsletter abonnieren', 'melden sie sich', 'folgen sie uns', 'artikel teilen', 'javascript aktivieren'],
    tail: ['auch interessant', 'das könnte sie auch interessieren', 'mehr zum thema', 'mehr dazu', 'mehr artikel', 'weitere artikel', 'weitere beiträge', 'weitere themen', 'verwandte artikel', 'verwandte beiträge', 'ähnliche artikel', 'ähnliche beiträge', 'lesen sie auch', 'zum weiterlesen', 'meistgelesen', 'kommentare', 'kommentar', 'kommentar schreiben', 'über den autor'],
  },
  fr: {
    labels: ['mots-clés', 'étiquettes', 'catégorie', 'catégories', 'rubrique', 'source', 'sources', 'photo', 'photos', 'image', 'crédit', 'crédits', 'partager', 'imprimer', 'e-mail', 'publicité', 'publié', 'publié le', 'mis à jour', 'copyright'],
    nav: ['accueil', 'menu', 'rechercher', 'recherche', 'connexion', 'se connecter', "s'inscrire", "s'abonner", 'contact', 'contactez-nous', 'mentions légales', 'politique de confidentialité', 'plan du site', 'aller au contenu', 'haut de page', 'retour en haut', 'suivant', 'précédent', 'article suivant', 'article précédent', 'lire la suite', 'voir plus', 'fermer'],
    anywhere: ['tous droits réservés', 'nous utilisons des cookies', 'ce site utilise des cookies', 'accepter les cookies', 'abonnez-vous à notre newsletter', 'inscrivez-vous à notre newsletter', 'suivez-nous sur', 'partager cet article'],
    tail: ['à lire aussi', 'lire aussi', 'sur le même sujet', 'articles similaires', 'articles liés', 'vous aimerez aussi', 'les plus lus', 'commentaires', 'laisser un commentaire', "à propos de l'auteur"],
  },
  es: {
    labels: ['etiquetas', 'categoría', 'categorías', 'fuente', 'fuentes', 'foto', 'fotos', 'imagen', 'crédito', 'créditos', 'compartir', 'imprimir', 'correo electrónico', 'publicidad', 'publicado', 'actualizado', 'copyright'],
    nav: ['inicio', 'menú', 'buscar', 'iniciar sesión', 'registrarse', 'suscribirse', 'contacto', 'aviso legal', 'política de privacidad', 'mapa del sitio', 'ir al contenido', 'volver arriba', 'siguiente', 'anterior', 'leer más', 'ver más', 'cerrar'],
    anywhere: ['todos los derechos reservados', 'utilizamos cookies', 'este sitio utiliza cookies', 'aceptar cookies', 'suscríbete a nuestro boletín', 'síguenos en', 'compartir este artículo'],
    tail: ['te puede interesar', 'también te puede interesar', 'noticias relacionadas', 'artículos relacionados', 'lo más leído', 'comentarios', 'deja un comentario', 'sobre el autor'],
  },
  it: {
    labels: ['tag', 'categoria', 'categorie', 'fonte', 'fonti', 'foto', 'immagine', 'credito', 'condividi', 'stampa', 'email', 'pubblicità', 'pubblicato', 'aggiornato', 'copyright'],
    nav: ['home', 'menu', 'cerca', 'accedi', 'registrati', 'abbonati', 'contatti', 'chi siamo', 'privacy', 'informativa privacy', 'mappa del sito', 'vai al contenuto', 'torna su', 'successivo', 'precedente', 'leggi tutto', 'mostra altro', 'chiudi'],
    anywhere: ['tutti i diritti riservati', 'utilizziamo i cookie', 'questo sito utilizza cookie', 'accetta i cookie', 'iscriviti alla newsletter', 'seguici su', 'condividi questo articolo'],
    tail: ['leggi anche', 'articoli correlati', 'potrebbe interessarti', 'i più letti', 'commenti', 'lascia un commento', "sull'autore"],
  },
  pl: {
    labels: ['tagi', 'kategoria', 'kategorie', 'źródło', 'źródła', 'foto', 'zdjęcie', 'zdjęcia', 'fot', 'udostępnij', 'drukuj', 'e-mail', 'reklama', 'opublikowano', 'aktualizacja', 'copyright'],
    nav: ['strona główna', 'menu', 'szukaj', 'zaloguj', 'zaloguj się', 'zarejestruj się', 'subskrybuj', 'kontakt', 'polityka prywatności', 'regulamin', 'mapa strony', 'przejdź do treści', 'do góry', 'następny', 'poprzedni', 'czytaj więcej', 'zobacz więcej', 'zamknij'],
    anywhere: ['wszelkie prawa zastrzeżone', 'używamy plików cookie', 'ta strona używa plików cookie', 'akceptuję cookies', 'zapisz się do newslettera', 'obserwuj nas na', 'udostępnij artykuł'],
    tail: ['czytaj też', 'czytaj także', 'zobacz też', 'zobacz także', 'powiązane artykuły', 'najczęściej czytane', 'komentarze', 'dodaj komentarz', 'o autorze'],
  },
  nl: {
    labels: ['tags', 'categorie', 'categorieën', 'bron', 'bronnen', 'foto', "foto's", 'afbeelding', 'delen', 'afdrukken', 'e-mail', 'advertentie', 'gepubliceerd', 'bijgewerkt', 'copyright'],
    nav: ['home', 'menu', 'zoeken', 'inloggen', 'registreren', 'abonneren', 'contact', 'over ons', 'privacybeleid', 'sitemap', 'naar inhoud', 'naar boven', 'volgende', 'vorige', 'lees meer', 'meer laden', 'sluiten'],
    anywhere: ['alle rechten voorbehouden', 'wij gebruiken cookies', 'deze website gebruikt cookies', 'cookies accepteren', 'schrijf je in voor onze nieuwsbrief', 'volg ons op', 'deel dit artikel'],
    tail: ['lees ook', 'gerelateerde artikelen', 'meer over', 'meest gelezen', 'reacties', 'reageer', 'over de auteur'],
  },
  pt: {
    labels: ['tags', 'categoria', 'categorias', 'fonte', 'fontes', 'foto', 'fotos', 'imagem', 'crédito', 'créditos', 'compartilhar', 'partilhar', 'imprimir', 'e-mail', 'publicidade', 'publicado', 'atualizado', 'copyright'],
    nav: ['início', 'menu', 'pesquisar', 'buscar', 'entrar', 'registrar', 'assinar', 'contato', 'contacto', 'política de privacidade', 'mapa do site', 'ir para o conteúdo', 'voltar ao topo', 'próximo', 'anterior', 'leia mais', 'ver mais', 'fechar'],
    anywhere: ['todos os direitos reservados', 'utilizamos cookies', 'este site utiliza cookies', 'aceitar cookies', 'assine nossa newsletter', 'siga-nos no', 'compartilhe este artigo'],
    tail: ['leia também', 'veja também', 'artigos relacionados', 'notícias relacionadas', 'mais lidas', 'comentários', 'deixe um comentário', 'sobre o autor'],
  },
};
