-- Items whose link is a site's front page are keyed on their guid, as new ones are.
--
-- Before this release an item's canonical link was its key whenever it had one, so a feed
-- whose entries all link to one page kept one item of many: a podcast whose episodes link to
-- its home page kept 7 of 131. Now a link identifies an entry only when it points at that
-- entry (trends.normalize.identify_entries): not the feed's home link, not a site's front
-- page, not a link that other entries of the feed share. Such entries are keyed on their guid
-- within their source, `sha1('g|' || source || '|' || guid)`, cut to 24 hex digits.
--
-- The one item such a feed kept is re-keyed here when its link is a front page and its guid
-- is plain ASCII (so that SQL hashes exactly the bytes Python does); the next fetch then finds
-- it under the key it computes and stores the other entries beside it. Any item not re-keyed
-- here (a guid with other characters, no guid, a home link that is not a front page) keeps
-- its key: the ingest finds it through the entry's other identity (FeedItem.alt_key), so it
-- is never stored twice. Every table that holds item keys follows; nothing is deleted.

CREATE TEMP TABLE rekeyed_items AS
SELECT old_key, new_key FROM (
    SELECT key AS old_key, left(sha1('g|' || source || '|' || guid), 24) AS new_key
    FROM items
    WHERE regexp_full_match(url, '(?i)https?://[^/?#]+/?')
      AND regexp_full_match(guid, '[\x21-\x7e]+(?: [\x21-\x7e]+)*'))
WHERE new_key NOT IN (SELECT key FROM items)
QUALIFY row_number() OVER (PARTITION BY new_key ORDER BY old_key) = 1;

UPDATE items SET key = r.new_key FROM rekeyed_items r WHERE items.key = r.old_key;
UPDATE items SET story_key = r.new_key FROM rekeyed_items r WHERE items.story_key = r.old_key;
UPDATE item_sources SET item_key = r.new_key FROM rekeyed_items r
WHERE item_sources.item_key = r.old_key;
UPDATE topic_mentions SET item_key = r.new_key FROM rekeyed_items r
WHERE topic_mentions.item_key = r.old_key;

DROP TABLE rekeyed_items;
